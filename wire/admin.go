package wire

import (
	"encoding/binary"
	"strconv"
)

// AdminOp names an operator request: what an AdminRequest asks the broker
// to report or do. The decoder accepts any value, so that a broker can
// answer an op it does not know with CodeUnknownOp instead of closing the
// channel.
type AdminOp uint8

// Operator requests. Args and the reply's Payload are JSON documents whose
// shapes the teomq package defines; Command is "" for broker-wide ops.
const (
	AdminStats            AdminOp = 1 // broker-wide counts
	AdminCommands         AdminOp = 2 // every command with its groups and consumers
	AdminDeadLetters      AdminOp = 3 // list Command's dead letters, without their data
	AdminDeadLetter       AdminOp = 4 // show one dead letter of Command; its data in Data
	AdminReplay           AdminOp = 5 // move dead letters of Command back to their queue
	AdminPurgeDeadLetters AdminOp = 6 // delete every dead letter of Command
	AdminDeleteGroup      AdminOp = 7 // delete a durable group of Command without subscribers
	AdminPurgeQueue       AdminOp = 8 // remove Command's pending messages
)

// adminOpNames holds each op's name, indexed by AdminOp.
var adminOpNames = [...]string{
	AdminStats:            "stats",
	AdminCommands:         "commands",
	AdminDeadLetters:      "dead-letters",
	AdminDeadLetter:       "dead-letter",
	AdminReplay:           "replay",
	AdminPurgeDeadLetters: "purge-dead-letters",
	AdminDeleteGroup:      "delete-group",
	AdminPurgeQueue:       "purge-queue",
}

// String returns the op's name, or "AdminOp(n)" for an op this version
// does not define.
func (o AdminOp) String() string {
	if int(o) < len(adminOpNames) && adminOpNames[o] != "" {
		return adminOpNames[o]
	}
	return "AdminOp(" + strconv.Itoa(int(o)) + ")"
}

// MaxPayloadLen is the longest Payload of an AdminReply, in bytes.
const MaxPayloadLen = 64 << 20

// AdminRequest is an operator request: Op on Command, with its arguments
// in Args. The broker answers it with one AdminReply of the same ReqID,
// which the client chooses (unique among its requests in progress).
type AdminRequest struct {
	ReqID   uint64
	Op      AdminOp
	Command string
	Args    []byte
}

// AdminReply answers the AdminRequest ReqID. Code says whether it was
// carried out (CodeOK) or why not, with Message; Payload is the result's
// JSON document and Data, for AdminDeadLetter, the message's bytes as they
// are (kept out of the JSON so that a full-size message fits a frame).
type AdminReply struct {
	ReqID   uint64
	Code    Code
	Message string
	Payload []byte
	Data    []byte
}

// Type returns TypeAdmin.
func (*AdminRequest) Type() Type { return TypeAdmin }

// Type returns TypeAdminReply.
func (*AdminReply) Type() Type { return TypeAdminReply }

// AppendTo appends the encoded AdminRequest to dst.
func (a *AdminRequest) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeAdmin, 8+1+stringLen(a.Command)+len(a.Args))
	dst = binary.BigEndian.AppendUint64(dst, a.ReqID)
	dst = append(dst, byte(a.Op))
	dst = appendString(dst, a.Command)
	return append(dst, a.Args...)
}

// AppendTo appends the encoded AdminReply to dst. A Message longer than
// MaxMessageLen is cut.
func (a *AdminReply) AppendTo(dst []byte) []byte {
	msg := clipMessage(a.Message)
	dst = appendHeader(dst, TypeAdminReply, 8+2+stringLen(msg)+bytesLen(a.Payload)+len(a.Data))
	dst = binary.BigEndian.AppendUint64(dst, a.ReqID)
	dst = binary.BigEndian.AppendUint16(dst, uint16(a.Code))
	dst = appendString(dst, msg)
	dst = binary.AppendUvarint(dst, uint64(len(a.Payload)))
	dst = append(dst, a.Payload...)
	return append(dst, a.Data...)
}

// bytesLen is the encoded length of b with its uvarint length prefix.
func bytesLen(b []byte) int { return uvarintLen(uint64(len(b))) + len(b) }

func (r *reader) adminRequest() (AdminRequest, error) {
	var a AdminRequest
	a.ReqID = r.u64("request id")
	a.Op = AdminOp(r.u8("op"))
	a.Command = r.str("command", MaxCommandLen)
	a.Args = r.rest()
	return a, r.done()
}

func (r *reader) adminReply() (AdminReply, error) {
	var a AdminReply
	a.ReqID = r.u64("request id")
	a.Code = r.code("code")
	a.Message = r.str("message", MaxMessageLen)
	a.Payload = r.bytes("payload", MaxPayloadLen)
	a.Data = r.rest()
	return a, r.done()
}

// bytes consumes a length-prefixed byte field of at most limit bytes and
// returns it aliasing r.b, nil when empty. Its capacity ends with the
// field, so appending to it never writes into r.b.
func (r *reader) bytes(field string, limit int) []byte {
	start, end := r.span(field, limit)
	if r.err != nil || start == end {
		return nil
	}
	return r.b[start:end:end]
}
