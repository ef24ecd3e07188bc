package store

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Progress records let a restart rebuild a command's index of undone
// messages (liveMap) without reading its queue: besides the watermark
// ('w'), the store keeps the command's next seq ('n') and, for each block
// of 1<<blockShift main-lane seqs at or above the watermark, the counts of
// its undone messages ('b'). They are written in the batches that change
// them, so that they are as durable as the messages they count. At Load,
// a block whose count is every seq of its range between the watermark and
// next, none marked, holds undone unmarked messages only: it is counted,
// not read. Other blocks (holes, marked messages, the head of the queue,
// a count that disagrees) are read, and their counts put right.
//
// blockShift is part of the store's format: tests alone change it (see
// export_test.go), on stores of their own.
var blockShift uint = chunkShift

// blockCounts are the counts of one block's undone main-lane messages:
// how many, their payload bytes, and how many are marked: messages that
// Load must read in full because they are requests or have a deadline
// (see heavy) or a group acked or attempted them.
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
	dst = binary.AppendVarint(dst, b.n)
	dst = binary.AppendVarint(dst, b.bytes)
	return binary.AppendVarint(dst, b.marked)
}

func decodeBlockCounts(v []byte) (blockCounts, error) {
	var b blockCounts
	for _, p := range []*int64{&b.n, &b.bytes, &b.marked} {
		x, n := binary.Varint(v)
		if n <= 0 {
			return blockCounts{}, fmt.Errorf("%w: block counts %x", ErrCorrupt, v)
		}
		*p, v = x, v[n:]
	}
	if len(v) != 0 {
		return blockCounts{}, fmt.Errorf("%w: block counts with %d bytes more", ErrCorrupt, len(v))
	}
	return b, nil
}

// heavy reports whether m is read in full by every Load, whatever its
// place in the queue: a request, or a message with a deadline.
func heavy(m *Message) bool {
	return m.Flags&MessageRequest != 0 || m.Deadline != 0
}

// sumMerger merges block counts by adding them: each batch merges its
// changes, in whatever order the batches reach the log.
type sumMerger struct{ b blockCounts }

func (m *sumMerger) MergeNewer(value []byte) error {
	b, err := decodeBlockCounts(value)
	if err != nil {
		return err
	}
	m.b.add(b)
	return nil
}

func (m *sumMerger) MergeOlder(value []byte) error { return m.MergeNewer(value) }

func (m *sumMerger) Finish(includesBase bool) ([]byte, io.Closer, error) {
	return appendBlockCounts(nil, m.b), nil, nil
}

// blockDelta is one batch's change to the counts of one block.
type blockDelta struct {
	c     *command
	block uint64
	d     blockCounts
}

// count adds d to the counts of the block of main-lane seq of c in the
// batch being built.
func (w *batchWriter) count(c *command, seq uint64, d blockCounts) {
	block := seq >> blockShift
	for i := range w.deltas {
		if x := &w.deltas[i]; x.c == c && x.block == block {
			x.d.add(d)
			return
		}
	}
	w.deltas = append(w.deltas, blockDelta{c: c, block: block, d: d})
}

// flushCounts adds the batch's changes of block counts to the batch.
func (w *batchWriter) flushCounts() {
	for _, x := range w.deltas {
		if x.d != (blockCounts{}) {
			w.val = appendBlockCounts(w.val[:0], x.d)
			_ = w.b.Merge(blockKey(x.c.id, x.block), w.val, nil)
		}
	}
	clear(w.deltas)
	w.deltas = w.deltas[:0]
}
