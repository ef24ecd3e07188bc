package cluster

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// Headers of the engine's messages. Nats-Msg-Id is the producer's address
// and the message ID, so that the stream's duplicate window drops a
// producer's resend (on any broker) and never another producer's message.
const (
	hdrID          = "Teomq-Id"
	hdrFrom        = "Teomq-From"
	hdrCommand     = "Teomq-Command"
	hdrRequest     = "Teomq-Request"
	hdrDeadline    = "Teomq-Deadline" // unix milliseconds
	hdrAnswerGroup = "Teomq-Answer-Group"
	hdrCode        = "Teomq-Code" // result code
	hdrAnswerFrom  = "Teomq-Answer-From"
	hdrAttempts    = "Teomq-Attempts" // dead letters: deliveries made
	hdrGroup       = "Teomq-Group"    // dead letters: the group
)

// errBadHeaders reports a stream message the engine did not write.
var errBadHeaders = errors.New("cluster: message without teomq headers")

// msgID is the Nats-Msg-Id of producer's message id.
func msgID(producer string, id router.ID) string {
	return producer + "/" + hex.EncodeToString(id[:])
}

// encodeMessage is m as a message on subject.
func encodeMessage(subject string, m *router.Message) *nats.Msg {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, msgID(m.From, m.ID))
	h.Set(hdrID, hex.EncodeToString(m.ID[:]))
	h.Set(hdrFrom, m.From)
	h.Set(hdrCommand, m.Command)
	if m.Request {
		h.Set(hdrRequest, "1")
		h.Set(hdrAnswerGroup, m.AnswerGroup)
	}
	if !m.Deadline.IsZero() {
		h.Set(hdrDeadline, strconv.FormatInt(m.Deadline.UnixMilli(), 10))
	}
	return &nats.Msg{Subject: subject, Header: h, Data: m.Data}
}

// decodeMessage is the message encodeMessage made.
func decodeMessage(h nats.Header, data []byte) (*router.Message, error) {
	id, err := decodeID(h.Get(hdrID))
	if err != nil {
		return nil, err
	}
	m := &router.Message{
		ID:          id,
		From:        h.Get(hdrFrom),
		Command:     h.Get(hdrCommand),
		Request:     h.Get(hdrRequest) == "1",
		AnswerGroup: h.Get(hdrAnswerGroup),
		Data:        data,
	}
	if s := h.Get(hdrDeadline); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: deadline %q", errBadHeaders, s)
		}
		m.Deadline = time.UnixMilli(ms)
	}
	if m.From == "" || m.Command == "" {
		return nil, errBadHeaders
	}
	return m, nil
}

// result is a request's result on its way to the producer.
type result struct {
	id   router.ID
	code router.ResultCode
	from string // the answering consumer's address
	data []byte
}

// encodeResult is r for producer as a message of the answers stream. Its
// Nats-Msg-Id makes a second result for the same request (after a
// redelivery) a duplicate the stream drops.
func encodeResult(subject, producer string, r result) *nats.Msg {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, "r/"+msgID(producer, r.id))
	h.Set(hdrID, hex.EncodeToString(r.id[:]))
	h.Set(hdrCode, strconv.Itoa(int(r.code)))
	h.Set(hdrAnswerFrom, r.from)
	return &nats.Msg{Subject: subject, Header: h, Data: r.data}
}

// decodeResult is the result encodeResult made.
func decodeResult(h nats.Header, data []byte) (result, error) {
	id, err := decodeID(h.Get(hdrID))
	if err != nil {
		return result{}, err
	}
	code, err := strconv.ParseUint(h.Get(hdrCode), 10, 16)
	if err != nil {
		return result{}, fmt.Errorf("%w: result code %q", errBadHeaders, h.Get(hdrCode))
	}
	return result{id: id, code: router.ResultCode(code), from: h.Get(hdrAnswerFrom), data: data}, nil
}

func decodeID(s string) (router.ID, error) {
	var id router.ID
	if hex.DecodedLen(len(s)) != len(id) {
		return id, fmt.Errorf("%w: message ID %q", errBadHeaders, s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("%w: message ID %q", errBadHeaders, s)
	}
	return id, nil
}
