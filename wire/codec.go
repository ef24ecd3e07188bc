package wire

// Field encodings.
//
// A frame is its version byte, its type byte, then its fields in declaration
// order, each encoded as follows:
//
//   - uint8, bool: one byte; a bool is 0 or 1, any other value is malformed.
//   - Code: two bytes, big endian.
//   - uint32: four bytes, big endian.
//   - int64, uint64: eight bytes, big endian (two's complement for int64).
//   - ID: its 16 bytes as they are.
//   - string: a uvarint byte length, then the bytes.
//   - Data ([]byte): the rest of the frame, with no length. It is always the
//     frame's last field.
//
// String lengths are uvarints rather than fixed-width u8/u16 prefixes: every
// name and address shorter than 128 bytes costs the same single byte, no
// value is ever cut to fit its prefix, and each field's limit (MaxCommandLen,
// MaxAddrLen, MaxMessageLen) lives in one place, the decoder, instead of in
// the width of a prefix. The decoder accepts only the shortest uvarint form,
// so that every frame has exactly one encoding: re-encoding a decoded frame
// reproduces its bytes.
//
// AppendTo encodes names (Command, Group, From) as they are: a name over its
// limit encodes, but the peer refuses the frame as malformed, so senders
// validate names first. Message texts longer than MaxMessageLen are cut on a
// UTF-8 boundary when encoded, since they are informational only.

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Field limits enforced by the decoder, in bytes.
const (
	// MaxAddrLen is the longest peer address (the From fields).
	MaxAddrLen = 255
	// MaxMessageLen is the longest message text (Confirm, SubAck and Error).
	MaxMessageLen = 1<<16 - 1
)

// headerLen is the length of the version and type bytes.
const headerLen = 2

// Fixed body lengths of the frames without variable fields.
const (
	idLen          = len(ID{})
	unsubscribeLen = 4
	creditLen      = 4 + 4
	touchLen       = idLen + 4 + 4
	pingLen        = 8
)

// knownFlags is the set of Publish flags this version defines.
const knownFlags = FlagRequest | FlagAnswerGroup

// appendHeader grows dst by n bytes of room plus the header and appends the
// header of a frame of type t. n is the body's length. An empty dst grows
// to the frame's size; one that holds frames already at least doubles, so
// that a buffer collecting many frames (a send queue) is copied a bounded
// number of times.
func appendHeader(dst []byte, t Type, n int) []byte {
	if free := cap(dst) - len(dst); free < headerLen+n {
		size := len(dst) + headerLen + n
		if len(dst) > 0 {
			size = max(size, 2*cap(dst))
		}
		grown := make([]byte, len(dst), size)
		copy(grown, dst)
		dst = grown
	}
	return append(dst, Version, byte(t))
}

// appendBool appends v as one byte, 0 or 1.
func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// appendString appends s with its uvarint length prefix.
func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// stringLen is the encoded length of s with its prefix.
func stringLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// uvarintLen is the encoded length of v as a uvarint.
func uvarintLen(v uint64) int {
	p := 1
	for ; v >= 0x80; v >>= 7 {
		p++
	}
	return p
}

// clipMessage cuts s to at most MaxMessageLen bytes without splitting a
// UTF-8 sequence.
func clipMessage(s string) string {
	if len(s) <= MaxMessageLen {
		return s
	}
	cut := MaxMessageLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// reader decodes the fields of one frame body. The first failure is kept in
// err and makes every later read a no-op returning zero values, so decoders
// read all fields and check err once.
type reader struct {
	b   []byte
	off int
	typ Type
	err error
}

// fail records a malformed field unless an earlier failure is recorded.
func (r *reader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %v %s: %s", ErrMalformed, r.typ, field, fmt.Sprintf(format, args...))
	}
}

// take consumes n bytes for field and returns their offset, or reports false.
func (r *reader) take(field string, n int) (int, bool) {
	if r.err != nil {
		return 0, false
	}
	if left := len(r.b) - r.off; left < n {
		r.fail(field, "need %d bytes, have %d", n, left)
		return 0, false
	}
	off := r.off
	r.off += n
	return off, true
}

func (r *reader) u8(field string) uint8 {
	off, ok := r.take(field, 1)
	if !ok {
		return 0
	}
	return r.b[off]
}

func (r *reader) boolean(field string) bool {
	switch v := r.u8(field); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail(field, "bool byte %d is neither 0 nor 1", v)
		return false
	}
}

func (r *reader) code(field string) Code {
	off, ok := r.take(field, 2)
	if !ok {
		return 0
	}
	return Code(binary.BigEndian.Uint16(r.b[off:]))
}

func (r *reader) u32(field string) uint32 {
	off, ok := r.take(field, 4)
	if !ok {
		return 0
	}
	return binary.BigEndian.Uint32(r.b[off:])
}

func (r *reader) u64(field string) uint64 {
	off, ok := r.take(field, 8)
	if !ok {
		return 0
	}
	return binary.BigEndian.Uint64(r.b[off:])
}

func (r *reader) id(field string) (id ID) {
	off, ok := r.take(field, idLen)
	if ok {
		copy(id[:], r.b[off:])
	}
	return id
}

// span consumes a length-prefixed string of at most limit bytes and returns
// its bounds in r.b.
func (r *reader) span(field string, limit int) (start, end int) {
	if r.err != nil {
		return 0, 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		r.fail(field, "length prefix truncated")
		return 0, 0
	case n < 0:
		r.fail(field, "length prefix overflows")
		return 0, 0
	case n > 1 && r.b[r.off+n-1] == 0:
		r.fail(field, "length prefix not in shortest form")
		return 0, 0
	}
	r.off += n
	if v > uint64(limit) {
		r.fail(field, "length %d over limit %d", v, limit)
		return 0, 0
	}
	off, ok := r.take(field, int(v))
	if !ok {
		return 0, 0
	}
	return off, off + int(v)
}

// str consumes a length-prefixed string of at most limit bytes and
// returns a copy of it.
func (r *reader) str(field string, limit int) string {
	start, end := r.span(field, limit)
	return string(r.b[start:end])
}

// pair consumes two adjacent length-prefixed strings and returns copies of
// them made with one allocation: both share one backing array.
func (r *reader) pair(field1 string, limit1 int, field2 string, limit2 int) (string, string) {
	s1, e1 := r.span(field1, limit1)
	s2, e2 := r.span(field2, limit2)
	if r.err != nil {
		return "", ""
	}
	both := string(r.b[s1:e2])
	return both[:e1-s1], both[s2-s1:]
}

// strLike is str, but returns prev, without a copy, when the string equals
// it.
func (r *reader) strLike(field string, limit int, prev string) string {
	start, end := r.span(field, limit)
	if b := r.b[start:end]; string(b) == prev {
		return prev
	}
	return string(r.b[start:end])
}

// pairLike is pair, but returns prev1 and prev2, without a copy, for the
// strings equal to them, and copies only the others.
func (r *reader) pairLike(field1 string, limit1 int, field2 string, limit2 int, prev1, prev2 string) (string, string) {
	s1, e1 := r.span(field1, limit1)
	s2, e2 := r.span(field2, limit2)
	if r.err != nil {
		return "", ""
	}
	same1, same2 := string(r.b[s1:e1]) == prev1, string(r.b[s2:e2]) == prev2
	switch {
	case same1 && same2:
		return prev1, prev2
	case same1:
		return prev1, string(r.b[s2:e2])
	case same2:
		return string(r.b[s1:e1]), prev2
	}
	both := string(r.b[s1:e2])
	return both[:e1-s1], both[s2-s1:]
}

// rest consumes the rest of the frame; it is nil when empty. Its capacity
// ends with the frame, so appending to it never writes into r.b.
func (r *reader) rest() []byte {
	if r.err != nil || r.off == len(r.b) {
		return nil
	}
	data := r.b[r.off:len(r.b):len(r.b)]
	r.off = len(r.b)
	return data
}

// done returns the first failure, or a failure for bytes left unread.
func (r *reader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.fail("end", "%d trailing bytes", len(r.b)-r.off)
	}
	return r.err
}
