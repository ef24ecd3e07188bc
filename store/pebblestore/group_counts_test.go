package pebblestore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// drainOps are group's attempt and ack (not the last) of seqs [from, to]
// of command "q": what a broker writes as a group's consumers take
// messages another group still needs.
func drainOps(group string, from, to uint64) []store.Op {
	var ops []store.Op
	for seq := from; seq <= to; seq++ {
		ops = append(ops, store.Op{Kind: store.KindAttempt, Command: "q", Seq: seq, Group: group, Attempt: 1},
			ackOp("q", seq, group, false))
	}
	return ops
}

// A restart of a queue that one durable group finished while another
// has it all to take (blocks of 512 seqs) counts the finished blocks
// without reading them: the
// first group takes none of them, the second all, and the store reads a
// fraction of what a full Load reads. The counts stay exact as the queue
// moves on: more acks of the first group, the second group finishing
// messages in the middle, the first group deleted.
func TestLoadHeadCountsWhatAGroupFinished(t *testing.T) {
	const shift, blocks, head = 9, 16, 4
	const blk = 1 << shift // seqs a block
	const n = blocks * blk
	pebblestore.SetBlockShift(t, shift)
	dir := t.TempDir()
	reads := &tableReads{}
	opts := pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, reads)}
	s := openPebble(t, dir, opts)
	mustWrite(t, s, true,
		store.Op{Kind: store.KindGroup, Command: "q", Group: "work"},
		store.Op{Kind: store.KindGroup, Command: "q", Group: "audit"})
	for from := uint64(1); from <= n; from += blk {
		mustWrite(t, s, false, appends("q", seqRange(from, min(from+blk-1, n))...)...)
	}
	// work takes the first 12 blocks (blk messages a write).
	for from := uint64(1); from < 12*blk; from += blk {
		mustWrite(t, s, false, drainOps("work", from, min(from+blk-1, 12*blk-1))...)
	}
	reopen := func() {
		t.Helper()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openPebble(t, dir, opts)
	}
	reopen()

	before := reads.n.Load()
	var full []uint64
	var tail store.Record
	err := s.LoadHead(head, plain, func(r *store.Record) error {
		switch r.Kind {
		case store.KindMessage:
			full = append(full, r.Msg.Seq)
		case store.KindTail:
			tail = *r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	headReads := reads.n.Load() - before
	// Block 0 holds the head: it is read, and its messages past the head,
	// acked by work, are counted in the tail too.
	if want := seqRange(1, head); !slices.Equal(full, want) {
		t.Fatalf("LoadHead handed over %d messages in full, want %v", len(full), want)
	}
	wantTail := func(from uint64, count, work, audit int) {
		t.Helper()
		got := fmt.Sprintf("from %d count %d takes work %d audit %d", tail.Seq, tail.Count, tail.Takes["work"], tail.Takes["audit"])
		if want := fmt.Sprintf("from %d count %d takes work %d audit %d", from, count, work, audit); got != want {
			t.Fatalf("tail %s, want %s", got, want)
		}
	}
	wantTail(head+1, n-head, n-12*blk+1, n-head)
	reopen()
	before = reads.n.Load()
	if got := len(messageSeqs(load(t, s), "q")); got != n {
		t.Fatalf("Load gave %d messages, want %d", got, n)
	}
	fullReads := reads.n.Load() - before
	t.Logf("table reads: LoadHead %d, Load %d", headReads, fullReads)
	if headReads*3 > fullReads {
		t.Fatalf("LoadHead read the tables %d times, Load %d: want under a third", headReads, fullReads)
	}

	// After a restart that counted the blocks: work takes two more
	// blocks, audit finishes a stretch of block 5, and the next restart
	// counts what is left (block 5, no longer whole, is read).
	reopen()
	loadHeadTail := func() {
		t.Helper()
		tail = store.Record{}
		if err := s.LoadHead(head, plain, func(r *store.Record) error {
			if r.Kind == store.KindTail {
				tail = *r
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	loadHeadTail()
	mustWrite(t, s, false, drainOps("work", 12*blk, 14*blk-1)...)
	var fin []store.Op
	for seq := uint64(5*blk + 10); seq < 5*blk+20; seq++ {
		op := ackOp("q", seq, "audit", true)
		op.Size = len(newMsg("q", seq).Data)
		fin = append(fin, op)
	}
	mustWrite(t, s, true, fin...)
	reopen()
	loadHeadTail()
	wantTail(head+1, n-head-10, n-14*blk+1, n-head-10)

	// work deleted (an ack of each copy it had, then the group): audit
	// alone takes what is left, and work's acks, which stay in the store
	// until their messages finish, are a ghost's: no block is read for
	// them.
	var del []store.Op
	for seq := uint64(14 * blk); seq <= n; seq++ {
		del = append(del, ackOp("q", seq, "work", false))
	}
	del = append(del, store.Op{Kind: store.KindGroupDelete, Command: "q", Group: "work"})
	mustWrite(t, s, true, del...)
	reopen()
	loadHeadTail()
	wantTail(head+1, n-head-10, 0, n-head-10)
	// Appended since, a block and more: the blocks read before (the
	// newest) are counted now, and audit takes every message.
	for from := uint64(n + 1); from <= n+(blk+blk/4); from += blk {
		mustWrite(t, s, false, appends("q", seqRange(from, min(from+blk-1, n+(blk+blk/4)))...)...)
	}
	reopen()
	before = reads.n.Load()
	loadHeadTail()
	headReads = reads.n.Load() - before
	wantTail(head+1, n+(blk+blk/4)-head-10, 0, n+(blk+blk/4)-head-10)
	reopen()
	before = reads.n.Load()
	load(t, s)
	if fullReads = reads.n.Load() - before; headReads*3 > fullReads {
		t.Fatalf("LoadHead read the tables %d times, Load %d: want under a third", headReads, fullReads)
	}
	// Read back, the store holds every message audit did not finish,
	// acked by work.
	var got, acked int
	for from := uint64(blk); ; {
		recs, err := s.ReadMessages("q", from, blk)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			got++
			if slices.Contains(r.AckedBy, "work") {
				acked++
			}
		}
		from = recs[len(recs)-1].Msg.Seq + 1
	}
	if want := n - (blk - 1) - 10; got != want+(blk+blk/4) || acked != want {
		t.Fatalf("read back %d messages from the second block, %d acked by work; want %d, %d acked", got, acked, want+(blk+blk/4), want)
	}
}
