package pebblestore

import (
	"encoding/binary"
	"errors"
)

// A durable group's value in the pebble store is its start: uvarint Seq,
// uvarint count, then that many uvarint Seqs. An empty value (written
// before groups recorded their start) is Seq 0: the group takes every
// message.

// errGroupStart reports a group value that does not decode.
var errGroupStart = errors.New("bad group start")

// maxGroupSeqs bounds the Seqs a group value may list, against a corrupt
// count: the messages admitted and not yet stored when the group was made.
const maxGroupSeqs = 1 << 20

// appendGroupStart appends the encoding of a group's start to b.
func appendGroupStart(b []byte, from uint64, also []uint64) []byte {
	if from == 0 && len(also) == 0 {
		return b
	}
	b = binary.AppendUvarint(b, from)
	b = binary.AppendUvarint(b, uint64(len(also)))
	for _, s := range also {
		b = binary.AppendUvarint(b, s)
	}
	return b
}

// decodeGroupStart decodes a group's start.
func decodeGroupStart(v []byte) (from uint64, also []uint64, err error) {
	if len(v) == 0 {
		return 0, nil, nil
	}
	next := func() (uint64, bool) {
		x, n := binary.Uvarint(v)
		if n <= 0 {
			return 0, false
		}
		v = v[n:]
		return x, true
	}
	from, ok := next()
	count, ok2 := next()
	if !ok || !ok2 || count > maxGroupSeqs {
		return 0, nil, errGroupStart
	}
	if count > 0 {
		also = make([]uint64, 0, count)
	}
	for range count {
		s, ok := next()
		if !ok {
			return 0, nil, errGroupStart
		}
		also = append(also, s)
	}
	if len(v) != 0 {
		return 0, nil, errGroupStart
	}
	return from, also, nil
}
