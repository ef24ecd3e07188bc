package pebblestore

import "github.com/teonet-go/teomq/store"

// seqKey names a message of a batch by its command and Seq.
type seqKey struct {
	command string
	seq     uint64
}

// superseded collects the messages that a batch finishes (a Last ack),
// so that prepare can leave out the acks and attempts of the same batch
// that record a group's progress on them: once the batch is applied the
// message is done, its sub-keys are never read (Load and ReadMessages
// skip sub-keys without a message) and the watermark's range deletion
// would only remove them again. Draining a queue, most attempts share
// their batch with the message's Last ack; leaving them out spares the
// engine a key to insert, flush and compact per message. Used under the
// store's index lock.
type superseded struct {
	last map[seqKey]struct{}
}

// collect records the Last acks of ops, when ops also hold an attempt
// or a group's ack that one of them could supersede, and reports whether
// any was recorded.
func (s *superseded) collect(ops []store.Op) bool {
	clear(s.last)
	sub := false
	for i := range ops {
		if k := ops[i].Kind; k == store.KindAttempt || (k == store.KindAck && !ops[i].Last) {
			sub = true
			break
		}
	}
	if !sub {
		return false
	}
	for i := range ops {
		if op := &ops[i]; op.Kind == store.KindAck && op.Last {
			if s.last == nil {
				s.last = make(map[seqKey]struct{})
			}
			s.last[seqKey{op.Command, op.Seq}] = struct{}{}
		}
	}
	return len(s.last) > 0
}

// skip reports whether op, with target t, is an attempt or a group's ack
// of a message that the batch finishes.
func (s *superseded) skip(op *store.Op, t store.Target) bool {
	if op.Kind != store.KindAttempt && (op.Kind != store.KindAck || op.Last) {
		return false
	}
	_, ok := s.last[seqKey{t.Command, t.Seq}]
	return ok
}
