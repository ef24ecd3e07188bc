package pebblestore

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// Write applies ops atomically in one pebble batch. With sync set and
// DurabilitySync it returns after the write-ahead log is fsync'd; writes
// that overlap share the fsync. Otherwise the ops become durable with the
// next sync (a later synced write, the interval syncer, or Close).
//
// Write returns ErrInvalidOp (applying nothing) for an op that lacks what
// its Kind needs, ErrClosed after Close, an error wrapping
// ErrStoreUnavailable (applying nothing) during an outage, and an error
// wrapping ErrStoreFailed once the medium failed; that failure is sticky.
func (s *PebbleStore) Write(ops []store.Op, sync bool) error {
	b, err := s.begin(ops)
	if err != nil {
		return err
	}
	wo := pebble.NoSync
	if sync && s.opts.Durability == DurabilitySync {
		wo = pebble.Sync
		s.syncing.Add(messages(ops))
	}
	return s.end(b, b.Commit(wo))
}

var _ store.Pipeliner = (*PebbleStore)(nil)

// WriteNoWait applies ops as Write(ops, true) does but returns before the
// write-ahead log is fsync'd; Wait on the result returns once it is. The
// log's writer syncs everything queued while its previous sync ran in one
// fsync, so writes started back to back share syncs without waiting for
// each other. Outside DurabilitySync the write is complete on return.
func (s *PebbleStore) WriteNoWait(ops []store.Op) (store.SyncedWrite, error) {
	b, err := s.begin(ops)
	if err != nil {
		return nil, err
	}
	if s.opts.Durability != DurabilitySync {
		if err := s.end(b, b.Commit(pebble.NoSync)); err != nil {
			return nil, err
		}
		return doneWrite{}, nil
	}
	s.syncing.Add(messages(ops))
	if err := s.db.ApplyNoSyncWait(b, pebble.Sync); err != nil {
		return nil, s.end(b, err)
	}
	return &pebbleWrite{s: s, b: b}, nil
}

// messages counts the messages among ops.
func messages(ops []store.Op) int64 {
	var n int64
	for i := range ops {
		if ops[i].Kind == store.KindMessage {
			n++
		}
	}
	return n
}

// syncDelay is the log's pause after a sync (pebble's WALMinSyncInterval,
// asked after each sync, which also counts the sync's messages): SyncDelay when more than one message was written
// with sync since the sync before and the process keeps its processors
// busy, so that fewer syncs leave more processor time to the rest; none
// for a lone producer, or while there is processor time to spare, when the
// pause would only add latency.
func (s *PebbleStore) syncDelay() time.Duration {
	n := s.syncing.Swap(0)
	s.syncMessages.observe(uint64(max(n, 0)))
	if n > 1 && s.opts.SyncDelay > 0 && s.cpuLoad.busyAt(time.Now()) {
		return s.opts.SyncDelay
	}
	return 0
}

// pebbleWrite is a batch applied by WriteNoWait whose sync is pending.
type pebbleWrite struct {
	s *PebbleStore
	b *pebble.Batch
}

func (w *pebbleWrite) Wait() error { return w.s.end(w.b, w.b.SyncWait()) }

// doneWrite is a write that was complete when it was started.
type doneWrite struct{}

func (doneWrite) Wait() error { return nil }

// begin validates ops and builds their batch; end finishes it.
func (s *PebbleStore) begin(ops []store.Op) (*pebble.Batch, error) {
	if err := store.Validate(ops); err != nil {
		return nil, err
	}
	return s.prepare(ops)
}

// end releases a batch that prepare built, once its commit returned err,
// and reports the write's outcome.
func (s *PebbleStore) end(b *pebble.Batch, err error) error {
	defer s.writers.Done()
	_ = b.Close()
	if err != nil {
		return s.fail(err)
	}
	if s.syncer != nil {
		s.syncer.dirty.Store(true)
	}
	// Pebble reports a failed log write or sync through the logger's
	// Fatalf and then returns success; engineLogger recorded it.
	if f := s.failed.Load(); f != nil {
		return f.err
	}
	return nil
}

// prepare builds the batch of ops under the index lock and registers the
// caller as a writer; the caller commits the batch and calls writers.Done.
func (s *PebbleStore) prepare(ops []store.Op) (*pebble.Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	if err := s.refusal(); err != nil {
		return nil, err
	}
	if !s.idx.built {
		if err := s.load(nil); err != nil {
			return nil, err
		}
	}
	if err := s.mapCommands(ops); err != nil {
		return nil, err
	}
	w := &s.scratch
	w.b = s.db.NewBatch()
	defer func() { w.b = nil }()
	if len(ops) == 0 {
		// An empty write still goes through the log, so that a synced one
		// syncs what was written before it.
		_ = w.b.LogData(nil, nil)
	}
	skip := s.superseded.collect(ops)
	for i := range ops {
		t, _ := store.Resolve(i, &ops[i])
		if skip && s.superseded.skip(&ops[i], t) {
			continue
		}
		s.apply(w, &ops[i], t)
	}
	s.finish(w)
	s.writers.Add(1)
	return w.b, nil
}

// mapCommands gives an ID to every command of ops that has none. The
// mapping is committed before any batch can use it, so the log always
// holds a command's mapping ahead of its keys.
func (s *PebbleStore) mapCommands(ops []store.Op) error {
	var added []*command
	for i := range ops {
		if k := ops[i].Kind; k == store.KindMailbox || k == store.KindMailboxDelete {
			continue
		}
		t, _ := store.Resolve(i, &ops[i])
		if _, ok := s.idx.cmds[t.Command]; ok {
			continue
		}
		if s.idx.nextID == math.MaxUint32 {
			s.unmap(added)
			return fmt.Errorf("%w: op %d: too many commands", store.ErrInvalidOp, i)
		}
		c := &command{id: s.idx.nextID, name: t.Command}
		s.idx.nextID++
		s.idx.cmds[c.name] = c
		added = append(added, c)
	}
	if len(added) == 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, c := range added {
		_ = b.Set(commandKey(c.name), binary.BigEndian.AppendUint32(nil, c.id), nil)
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return s.fail(err)
	}
	if f := s.failed.Load(); f != nil {
		return f.err
	}
	return nil
}

// unmap forgets commands that mapCommands added but did not commit.
func (s *PebbleStore) unmap(added []*command) {
	for _, c := range added {
		delete(s.idx.cmds, c.name)
	}
	if len(added) > 0 {
		s.idx.nextID = added[0].id
	}
}

// batchWriter adds keys to a batch through scratch buffers that the store
// reuses under its index lock: the batch copies what it is given.
type batchWriter struct {
	b      *pebble.Batch
	key    []byte
	val    []byte
	deltas []blockDelta // changes of block counts, added to b by finish
}

func (w *batchWriter) set(key, val []byte) { _ = w.b.Set(key, val, nil) }
func (w *batchWriter) delete(key []byte)   { _ = w.b.Delete(key, nil) }

// deleteSeq deletes message seq and all its sub-keys.
func (w *batchWriter) deleteSeq(cmd uint32, l lane, seq uint64) {
	w.key = appendQueueSeq(w.key[:0], cmd, l, seq)
	n := len(w.key)
	w.key = append(w.key, subMsg)
	w.key = appendQueueSeq(w.key, cmd, l, seq)
	w.key = append(w.key, subEnd)
	_ = w.b.DeleteRange(w.key[:n+1], w.key[n+1:], nil)
}

// apply adds op to the batch and to the index.
func (s *PebbleStore) apply(w *batchWriter, op *store.Op, t store.Target) {
	switch op.Kind {
	case store.KindMailbox:
		w.val = appendMailbox(w.val[:0], op.Expires, op.Answer)
		w.set(mailboxKey(t.ID, t.Producer), w.val)
		return
	case store.KindMailboxDelete:
		all := mailboxKey(t.ID, "") // also the key of an answer written before keys named the producer
		if t.Producer == "" {
			_ = w.b.DeleteRange(all, prefixEnd(all), nil)
			return
		}
		w.delete(all)
		w.delete(mailboxKey(t.ID, t.Producer))
		return
	}
	c := s.idx.cmds[t.Command]
	switch op.Kind {
	case store.KindMessage:
		l, clean, added := c.add(t.Seq)
		if !clean {
			w.deleteSeq(c.id, l, t.Seq)
			if l == laneMain {
				s.unmark(w, c, t.Seq) // its acks and attempts are gone
			}
		}
		w.key = appendQueueKey(w.key[:0], c.id, l, t.Seq, subMsg, "")
		w.val = appendMessage(w.val[:0], op.Msg)
		w.set(w.key, w.val)
		if l == laneMain {
			s.counted(w, c, t.Seq, op.Msg, added)
		}
	case store.KindAck:
		if op.Last {
			s.ackLast(w, c, op, t)
		} else {
			s.setSub(w, c, t.Seq, subAck, op.Group, nil)
		}
	case store.KindAttempt:
		w.val = binary.AppendUvarint(w.val[:0], uint64(op.Attempt))
		s.setSub(w, c, t.Seq, subAttempt, op.Group, w.val)
	case store.KindDeadLetter:
		w.val = appendMessage(w.val[:0], op.Msg)
		w.set(deadKey(c.id, t.Seq, op.Group), w.val)
	case store.KindDeadLetterDelete:
		w.delete(deadKey(c.id, t.Seq, op.Group))
	case store.KindGroup:
		w.val = appendGroupStart(w.val[:0], op.Seq, op.Seqs)
		w.set(groupKey(c.id, op.Group), w.val)
	case store.KindGroupDelete:
		w.delete(groupKey(c.id, op.Group))
		c.dropMarks(op.Group, func(seq uint64, d groupCounts) { w.countGroup(c, seq, op.Group, d) })
	case store.KindResult:
		s.setSub(w, c, t.Seq, subResult, "", appendDedup(w.val[:0], op.Answer))
	case store.KindPurge:
		s.purge(w, c, t.Seq, op.To, op.Seqs)
	}
}

// purge deletes c's undone messages from seq from to to, both included,
// but those of keep (sorted), with their sub-keys: a range deletion for
// each run of the main lane between kept seqs, a point deletion for each
// low-lane message. The payload bytes of the blocks it changes are not
// known here: their counts of messages drop, so that a restart reads
// them (and puts their bytes right) instead of trusting them.
func (s *PebbleStore) purge(w *batchWriter, c *command, from, to uint64, keep []uint64) {
	for seq := range c.low {
		if _, kept := slices.BinarySearch(keep, seq); seq >= from && seq <= to && !kept {
			delete(c.low, seq)
			w.deleteSeq(c.id, laneLow, seq)
		}
	}
	lo := from
	for _, k := range append(slices.Clip(keep), to+1) {
		if k < lo || k > to+1 {
			continue
		}
		if lo < k {
			_ = w.b.DeleteRange(appendQueueSeq(nil, c.id, laneMain, lo), appendQueueSeq(nil, c.id, laneMain, k), nil)
			c.doneRange(lo, k, func(seq uint64, d blockCounts) { w.count(c, seq, d) },
				func(seq uint64, group string, d groupCounts) { w.countGroup(c, seq, group, d) })
		}
		lo = k + 1
	}
	s.touch(c)
}

// setSub records a group's ack or attempts, or the result of a request,
// of an undone message. For a message that is done (or unknown) there is
// nothing to record. A main-lane message's acks and attempts go to its
// group's counts; a result marks it.
func (s *PebbleStore) setSub(w *batchWriter, c *command, seq uint64, sub byte, group string, val []byte) {
	l, live := c.locate(seq)
	if !live {
		return
	}
	w.key = appendQueueKey(w.key[:0], c.id, l, seq, sub, group)
	w.set(w.key, val)
	if l != laneMain {
		return
	}
	switch sub {
	case subAck:
		w.countGroup(c, seq, group, c.markAck(group, seq))
	case subAttempt:
		w.countGroup(c, seq, group, c.markAttempt(group, seq))
	default:
		if c.marked.add(seq) {
			w.count(c, seq, blockCounts{marked: 1})
		}
	}
}

// unmark forgets every group's marks on main-lane message seq of c, whose
// sub-keys are gone, in the group counts.
func (s *PebbleStore) unmark(w *batchWriter, c *command, seq uint64) {
	c.unmarkRange(seq, seq+1, func(group string, d groupCounts) { w.countGroup(c, seq, group, d) })
}

// counted adds main-lane message m, appended at seq, to its block's
// counts: as a new undone message when added, and as marked when it is
// heavy and was not marked yet.
func (s *PebbleStore) counted(w *batchWriter, c *command, seq uint64, m *store.Message, added bool) {
	var d blockCounts
	if added {
		d.n, d.bytes = 1, int64(len(m.Data))
	}
	if heavy(m) && c.marked.add(seq) {
		d.marked = 1
	}
	if d != (blockCounts{}) {
		w.count(c, seq, d)
	}
}

// touch lists c among the commands whose progress records finish writes.
func (s *PebbleStore) touch(c *command) {
	if !c.touched {
		c.touched = true
		s.touched = append(s.touched, c)
	}
}

// ackLast finishes message seq: the watermark covers it when it was the
// oldest undone message; otherwise its key is deleted by itself (its
// sub-keys are left to the watermark's range deletion; Load skips sub-keys
// without a message). The op's ID, when set, enters the dedup window.
func (s *PebbleStore) ackLast(w *batchWriter, c *command, op *store.Op, t store.Target) {
	seq := t.Seq
	if l, live, pointDelete := c.done(seq); live {
		switch {
		case l == laneLow:
			w.deleteSeq(c.id, l, seq)
		case pointDelete:
			w.key = appendQueueKey(w.key[:0], c.id, l, seq, subMsg, "")
			w.delete(w.key)
		}
		if l == laneMain {
			d := blockCounts{n: -1, bytes: -int64(op.Size)}
			if c.marked.remove(seq) {
				d.marked = -1
			}
			w.count(c, seq, d)
			s.unmark(w, c, seq)
		}
		s.touch(c)
	}
	if id, ok := store.DedupID(op); ok {
		w.val = appendDedup(w.val[:0], op.Answer)
		w.set(dedupKey(op.Expires, id, t.Producer), w.val)
	}
}

// finish adds the block counts and watermarks the batch changed, the range deletions that are due, and now and then the
// deletion of expired dedup records.
func (s *PebbleStore) finish(w *batchWriter) {
	w.flushCounts()
	for _, c := range s.touched {
		c.touched = false
		if c.floor != c.floorWritten {
			c.floorWritten = c.floor
			_ = w.b.Merge(floorKey(c.id), binary.BigEndian.AppendUint64(nil, c.floor), nil)
		}
		if from, to, ok := c.sweep(sweepEvery); ok {
			_ = w.b.DeleteRange(appendQueueSeq(nil, c.id, laneMain, from),
				appendQueueSeq(nil, c.id, laneMain, to), nil)
			// The counts of the blocks wholly below the watermark.
			_ = w.b.DeleteRange(blockKey(c.id, 0), blockKey(c.id, to>>blockShift), nil)
			_ = w.b.DeleteRange(groupCountsKey(c.id, 0, ""), groupCountsKey(c.id, to>>blockShift, ""), nil)
		}
	}
	clear(s.touched)
	s.touched = s.touched[:0]
	if now := time.Now(); now.Sub(s.sweptAt) >= dedupSweepInterval {
		s.sweptAt = now
		_ = w.b.DeleteRange([]byte{pfxDedup}, dedupKey(now.UnixMilli()+1, [16]byte{}, ""), nil)
	}
}
