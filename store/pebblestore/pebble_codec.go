package pebblestore

import (
	"encoding/binary"
	"errors"

	"github.com/teonet-go/teomq/store"
)

// Values of the pebble store. Each starts with a version byte; integers
// are big-endian or uvarint; strings are uvarint-length-prefixed; Data is
// the rest of the value.
//
//	message:  1 | id[16] | deadline int64 | flags u8 | attempt uvarint | from | data
//	          2 | id[16] | deadline int64 | flags u8 | attempt uvarint | from | answer group | data
//	mailbox:  1 | expires int64 | answer
//	dedup:    1 | has answer u8 | [answer]
//	answer:   code u16 | producer | from | data
//
// A message is written in version 1 unless it names an answer group, so
// the stores written before answer groups existed read the same.
const (
	valueVersion        = 1
	messageAnswerGroupV = 2 // a message value with its answer group
)

var errShortValue = errors.New("truncated value")

func appendMessage(b []byte, m *store.Message) []byte {
	v := byte(valueVersion)
	if m.AnswerGroup != "" {
		v = messageAnswerGroupV
	}
	b = append(b, v)
	b = append(b, m.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Deadline))
	b = append(b, m.Flags)
	b = binary.AppendUvarint(b, uint64(m.Attempt))
	b = appendString(b, m.From)
	if v == messageAnswerGroupV {
		b = appendString(b, m.AnswerGroup)
	}
	return append(b, m.Data...)
}

func decodeMessage(v []byte, command string, seq uint64) (*store.Message, error) {
	d := decoder{b: v}
	ver := d.byte()
	if d.err == nil && ver != valueVersion && ver != messageAnswerGroupV {
		d.fail(errors.New("unknown value version"))
	}
	m := &store.Message{Command: command, Seq: seq}
	copy(m.ID[:], d.bytes(16))
	m.Deadline = int64(d.uint64())
	m.Flags = d.byte()
	m.Attempt = uint32(d.uvarint())
	m.From = d.string()
	if ver == messageAnswerGroupV {
		m.AnswerGroup = d.string()
	}
	m.Data = d.rest()
	return m, d.err
}

// messageHeader reads a message value's flags and deadline and its
// payload's length, without decoding the rest; ok is false for a value
// it cannot read.
func messageHeader(v []byte) (flags uint8, deadline int64, size int, ok bool) {
	d := decoder{b: v}
	ver := d.byte()
	if ver != valueVersion && ver != messageAnswerGroupV {
		return 0, 0, 0, false
	}
	d.bytes(16)
	deadline = int64(d.uint64())
	flags = d.byte()
	d.uvarint()
	d.skipString()
	if ver == messageAnswerGroupV {
		d.skipString()
	}
	return flags, deadline, len(d.b), d.err == nil
}

// messageOrigin reads a message value's ID and producer address without
// decoding the rest; ok is false for a value it cannot read.
func messageOrigin(v []byte) (id [16]byte, from string, ok bool) {
	d := decoder{b: v}
	ver := d.byte()
	if ver != valueVersion && ver != messageAnswerGroupV {
		return id, "", false
	}
	copy(id[:], d.bytes(16))
	d.uint64()
	d.byte()
	d.uvarint()
	from = d.string()
	return id, from, d.err == nil
}

func appendMailbox(b []byte, expires int64, a *store.Answer) []byte {
	b = append(b, valueVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(expires))
	return appendAnswer(b, a)
}

func decodeMailbox(v []byte, id [16]byte) (expires int64, a *store.Answer, err error) {
	d := decoder{b: v}
	d.version()
	expires = int64(d.uint64())
	a = d.answer(id)
	return expires, a, d.err
}

func appendDedup(b []byte, a *store.Answer) []byte {
	b = append(b, valueVersion)
	if a == nil {
		return append(b, 0)
	}
	return appendAnswer(append(b, 1), a)
}

func decodeDedup(v []byte, id [16]byte) (*store.Answer, error) {
	d := decoder{b: v}
	d.version()
	if d.byte() == 0 {
		return nil, d.err
	}
	a := d.answer(id)
	return a, d.err
}

// decodeResult decodes the result m's producer got, kept with m (a
// value of appendDedup with an answer).
func decodeResult(v []byte, m *store.Message) (*store.Answer, error) {
	a, err := decodeDedup(v, m.ID)
	if err == nil && a == nil {
		err = errShortValue
	}
	if a != nil {
		a.Producer = m.From
	}
	return a, err
}

func appendAnswer(b []byte, a *store.Answer) []byte {
	b = binary.BigEndian.AppendUint16(b, a.Code)
	b = appendString(b, a.Producer)
	b = appendString(b, a.From)
	return append(b, a.Data...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads a value, remembering the first error; reads after an error
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) version() {
	if v := d.byte(); d.err == nil && v != valueVersion {
		d.fail(errors.New("unknown value version"))
	}
}

func (d *decoder) bytes(n int) []byte {
	if len(d.b) < n {
		d.fail(errShortValue)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if v := d.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) uint64() uint64 {
	if v := d.bytes(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) uint16() uint16 {
	if v := d.bytes(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errShortValue)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail(errShortValue)
		return ""
	}
	return string(d.bytes(int(n)))
}

// skipString passes over a string without copying it.
func (d *decoder) skipString() {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail(errShortValue)
		return
	}
	d.b = d.b[n:]
}

// rest returns a copy of what is left: values read from pebble are only
// valid until the iterator moves.
func (d *decoder) rest() []byte {
	v := cloneBytes(d.b)
	d.b = nil
	return v
}

func (d *decoder) answer(id [16]byte) *store.Answer {
	a := &store.Answer{ID: id}
	a.Code = d.uint16()
	a.Producer = d.string()
	a.From = d.string()
	a.Data = d.rest()
	return a
}
