package pebblestore

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// Progress records let a restart rebuild a command's index of undone
// messages (liveMap) without reading its queue: besides the watermark
// ('w'), the store keeps, for each block of 1<<blockShift main-lane seqs
// at or above the watermark, the counts of its undone messages ('b').
// They are written in the batches that change them, so that they are as
// durable as the messages they count. At Load, a block whose count is
// every seq of its range at or above the watermark, none marked, holds
// undone unmarked messages only: it is counted, not read, when the
// groups' counts of it (see groupCounts) vouch for it too. Other blocks
// (holes, marked messages, messages a group has and has not acked, the
// head of the queue, a count that disagrees) are read, and their counts
// put right; so are the two last blocks (the
// last that has counts, as every append writes its block's, and the one
// before): their keys give the command's next seq, and the IDs of its
// newest messages (store.KindTailID).
//
// blockShift is part of the store's format: tests alone change it (see
// pebble_export_test.go), on stores of their own.
var blockShift uint = chunkShift

// blockCounts are the counts of one block's undone main-lane messages:
// how many, their payload bytes, and how many are marked: messages that
// Load must read in full because they are requests or have a deadline
// (see heavy) or a result kept with them. The groups' acks and attempts
// are counted apart, by group (groupCounts).
type blockCounts struct {
	n, bytes, marked int64
}

func (b *blockCounts) add(o blockCounts) {
	b.n += o.n
	b.bytes += o.bytes
	b.marked += o.marked
}

func (b blockCounts) minus(o blockCounts) blockCounts {
	return blockCounts{n: b.n - o.n, bytes: b.bytes - o.bytes, marked: b.marked - o.marked}
}

// appendBlockCounts appends b as three signed varints: a batch's change
// of a block is small, and every batch that appends or finishes a
// message writes one.
func appendBlockCounts(dst []byte, b blockCounts) []byte {
	return appendVarints(dst, b.n, b.bytes, b.marked)
}

func decodeBlockCounts(v []byte) (blockCounts, error) {
	var b blockCounts
	err := decodeVarints(v, "block counts", &b.n, &b.bytes, &b.marked)
	return b, err
}

// appendVarints appends xs as signed varints, the encoding of the
// counts of progress records.
func appendVarints(dst []byte, xs ...int64) []byte {
	for _, x := range xs {
		dst = binary.AppendVarint(dst, x)
	}
	return dst
}

// decodeVarints decodes v, the counts of a progress record of kind what,
// into ps: exactly len(ps) signed varints.
func decodeVarints(v []byte, what string, ps ...*int64) error {
	for _, p := range ps {
		x, n := binary.Varint(v)
		if n <= 0 {
			return fmt.Errorf("%w: %s %x", store.ErrCorrupt, what, v)
		}
		*p, v = x, v[n:]
	}
	if len(v) != 0 {
		return fmt.Errorf("%w: %s with %d bytes more", store.ErrCorrupt, what, len(v))
	}
	return nil
}

// heavy reports whether m is read in full by every Load, whatever its
// place in the queue: a request, or a message with a deadline.
func heavy(m *store.Message) bool {
	return m.Flags&store.MessageRequest != 0 || m.Deadline != 0
}

// sumMerger merges the counts of a progress record (a block's or a
// group's in a block) by adding them, count by count: each batch merges
// its changes, in whatever order the batches reach the log.
type sumMerger struct{ v []int64 }

func (m *sumMerger) MergeNewer(value []byte) error {
	first := m.v == nil
	i := 0
	for ; len(value) > 0; i++ {
		x, n := binary.Varint(value)
		switch {
		case n <= 0:
			return fmt.Errorf("%w: counts %x", store.ErrCorrupt, value)
		case first:
			m.v = append(m.v, x)
		case i < len(m.v):
			m.v[i] += x
		}
		value = value[n:]
	}
	if i != len(m.v) {
		return fmt.Errorf("%w: counts of %d and %d values", store.ErrCorrupt, i, len(m.v))
	}
	return nil
}

func (m *sumMerger) MergeOlder(value []byte) error { return m.MergeNewer(value) }

func (m *sumMerger) Finish(includesBase bool) ([]byte, io.Closer, error) {
	return appendVarints(nil, m.v...), nil, nil
}

// blockDelta is one batch's change to the counts of one block, or of
// one group's marks on it.
type blockDelta struct {
	c       *command
	block   uint64
	ofGroup bool   // g, of group, changes; else d
	group   string // with ofGroup
	d       blockCounts
	g       groupCounts
}

// count adds d to the counts of the block of main-lane seq of c in the
// batch being built.
func (w *batchWriter) count(c *command, seq uint64, d blockCounts) {
	w.delta(c, seq, false, "").d.add(d)
}

// countGroup adds d to the counts of group's marks on the block of
// main-lane seq of c in the batch being built.
func (w *batchWriter) countGroup(c *command, seq uint64, group string, d groupCounts) {
	w.delta(c, seq, true, group).g.add(d)
}

// delta returns the batch's change of the counts of the block of seq of
// c, or of group's on it when ofGroup is set.
func (w *batchWriter) delta(c *command, seq uint64, ofGroup bool, group string) *blockDelta {
	block := seq >> blockShift
	for i := range w.deltas {
		if x := &w.deltas[i]; x.c == c && x.block == block && x.ofGroup == ofGroup && x.group == group {
			return x
		}
	}
	w.deltas = append(w.deltas, blockDelta{c: c, block: block, ofGroup: ofGroup, group: group})
	return &w.deltas[len(w.deltas)-1]
}

// flushCounts adds the batch's changes of block and group counts to the
// batch.
func (w *batchWriter) flushCounts() {
	for _, x := range w.deltas {
		if x.d != (blockCounts{}) {
			w.val = appendBlockCounts(w.val[:0], x.d)
			_ = w.b.Merge(blockKey(x.c.id, x.block), w.val, nil)
		}
		if x.g != (groupCounts{}) {
			w.val = appendGroupCounts(w.val[:0], x.g)
			_ = w.b.Merge(groupCountsKey(x.c.id, x.block, x.group), w.val, nil)
		}
	}
	clear(w.deltas)
	w.deltas = w.deltas[:0]
}

// groupStart is where a durable group starts taking messages.
type groupStart struct {
	name string
	from uint64
	also []uint64
}

// takes counts the seqs of [lo, hi) that g takes.
func (g *groupStart) takes(lo, hi uint64) int {
	n := 0
	if g.from < hi {
		n = int(hi - max(lo, g.from))
	}
	for _, s := range g.also {
		if s >= lo && s < hi && s < g.from {
			n++
		}
	}
	return n
}

// countOnly reports whether the block range [lo, hi), with counts rec
// and its groups' counts gcs, is counted without being read: the store
// keeps progress records, the head was handed over (or nothing is),
// every seq of the range is undone, none is marked, and each group with
// marks on it but a ghost is a durable group that acked every message of
// the range (see groupCounts). It returns those groups in done.
func (l *loader) countOnly(rec blockCounts, gcs []namedCounts, lo, hi uint64) (done []string, ok bool) {
	if !l.progress || rec.n != int64(hi-lo) || rec.marked != 0 {
		return nil, false
	}
	if l.fn != nil && (l.head == 0 || l.emitted < l.head) {
		return nil, false
	}
	for _, gc := range gcs {
		switch {
		case gc.counts == (groupCounts{}) || l.ghost(gc.group):
		case gc.counts.tried != 0 || gc.counts.acked != int64(hi-lo) || !l.durable(gc.group):
			return nil, false
		default:
			done = append(done, gc.group)
		}
	}
	return done, true
}

// durable reports whether group is a durable group of the command being
// read.
func (l *loader) durable(group string) bool {
	return slices.ContainsFunc(l.groups, func(g groupStart) bool { return g.name == group })
}

// ghost reports whether group, which has marks on messages of the
// command being read, is gone for good at a restart: it is not a
// durable group (an ephemeral group, or a deleted one whose sub-keys
// stay until their messages finish), and not the default group of a
// command without durable groups (which the broker gives every restored
// message). Its acks and attempts do not count: a group of that name
// made later takes only messages published after it exists.
func (l *loader) ghost(group string) bool {
	return !l.durable(group) && (group != "" || len(l.groups) > 0)
}

// addTail counts the undone seqs [lo, hi), of bytes payload bytes in all,
// in the command's store.KindTail record; the groups of done acked them
// all.
func (l *loader) addTail(lo, hi uint64, bytes int64, done []string) {
	t := &l.tail
	if t.Count == 0 {
		t.Seq = lo
	}
	t.Count += int(hi - lo)
	t.Last = hi - 1
	t.Size += int(bytes)
	for i := range l.groups {
		g := &l.groups[i]
		if n := g.takes(lo, hi); n > 0 && !slices.Contains(done, g.name) {
			if t.Takes == nil {
				t.Takes = make(map[string]int, len(l.groups))
			}
			t.Takes[g.name] += n
		}
	}
}

// next returns a bound above every main-lane key of c: the end of its
// last block that has counts (every append writes its block's), or one
// past its last key's seq at or above the watermark if that is higher.
// The block below the bound is always read, and sets c's next from its
// keys.
func (l *loader) next(c *command, last uint64) (uint64, error) {
	next := c.floor
	if l.progress {
		next = max(next, (last+1)<<blockShift)
	}
	// The lane's last key bounds it too, with progress records or
	// without: a block that holds only sub-keys of finished messages
	// (no message, so perhaps no counts) must be read, so that its seqs
	// are known to be taken.
	_, upper := laneBounds(c.id, laneMain)
	lower := appendQueueSeq(nil, c.id, laneMain, c.floor)
	it, err := l.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, l.readErr(err)
	}
	defer it.Close()
	if it.Last() {
		p, ok := parseQueueKey(it.Key())
		if !ok {
			return 0, l.corrupt(it.Key(), errShortValue)
		}
		next = max(next, p.seq+1)
	}
	if err := it.Error(); err != nil {
		return 0, l.readErr(err)
	}
	return next, nil
}

// blocks reads the counts of c's blocks from the watermark's up, and
// returns the last block that has counts; with none, last+1 is 0.
func (l *loader) blocks(c *command) (out map[uint64]blockCounts, last uint64, err error) {
	out = make(map[uint64]blockCounts)
	last = ^uint64(0)
	if !l.progress {
		return out, last, nil
	}
	p := cmdPrefix(pfxBlock, c.id)
	err = l.scanRange(blockKey(c.id, c.floor>>blockShift), prefixEnd(p), func(k, v []byte) error {
		if len(k) != len(p)+8 {
			return l.corrupt(k, errShortValue)
		}
		b, err := decodeBlockCounts(v)
		if err != nil {
			return l.corrupt(k, err)
		}
		last = binary.BigEndian.Uint64(k[len(p):])
		out[last] = b
		return nil
	})
	return out, last, err
}
