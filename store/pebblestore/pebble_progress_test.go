package pebblestore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// tableReads counts the reads of table files, as an errorfs injector that
// injects nothing.
type tableReads struct{ n atomic.Int64 }

func (r *tableReads) String() string { return "table reads" }

func (r *tableReads) MaybeError(op errorfs.Op) error {
	if (op.Kind == errorfs.OpFileReadAt || op.Kind == errorfs.OpFileRead) && strings.HasSuffix(op.Path, ".sst") {
		r.n.Add(1)
	}
	return nil
}

func plain(flags uint8, deadline int64) bool { return flags == 0 && deadline == 0 }

// backlog is a long queue written for the tests below: n messages of
// random sizes on command "q", seqs from 1, groups "all" (every message)
// and "late" (from lateFrom, and the earlier seqs of lateAlso), and in
// one block in the middle: a message finished out of order (doneSeq), one
// handed to "all" and not acked (triedSeq) and a request (requestSeq).
type backlog struct {
	n     uint64
	sizes map[uint64]int
}

const (
	lateFrom   = 30001
	doneSeq    = 20000
	triedSeq   = 24600
	requestSeq = 36000
)

var lateAlso = []uint64{100, 200}

func writeBacklog(t *testing.T, s store.Store, n uint64) *backlog {
	t.Helper()
	b := &backlog{n: n, sizes: make(map[uint64]int)}
	mustWrite(t, s, true,
		store.Op{Kind: store.KindGroup, Command: "q", Group: "all"},
		store.Op{Kind: store.KindGroup, Command: "q", Group: "late", Seq: lateFrom, Seqs: lateAlso})
	rnd := rand.New(rand.NewPCG(1, 2))
	for from := uint64(1); from <= n; from += 4096 {
		var ops []store.Op
		for seq := from; seq < from+4096 && seq <= n; seq++ {
			op := appendOp("q", seq)
			op.Msg.Data = make([]byte, 64+rnd.IntN(64))
			for i := range op.Msg.Data {
				op.Msg.Data[i] = byte(rnd.Uint32())
			}
			if seq == requestSeq {
				op.Msg.Flags = store.MessageRequest
			}
			b.sizes[seq] = len(op.Msg.Data)
			ops = append(ops, op)
		}
		mustWrite(t, s, false, ops...)
	}
	done := ackOp("q", doneSeq, "", true)
	done.Size = b.sizes[doneSeq]
	mustWrite(t, s, true, done, store.Op{Kind: store.KindAttempt, Command: "q", Seq: triedSeq, Group: "all", Attempt: 1})
	delete(b.sizes, doneSeq)
	return b
}

// tail is the store.KindTail record the backlog should load as with a head of
// head messages: every undone message past the head but the attempted one and
// the request.
func (b *backlog) tail(head uint64) string {
	r := store.Record{Seq: head + 1, Last: b.n, Takes: map[string]int{}}
	for seq, size := range b.sizes {
		if seq <= head || seq == triedSeq || seq == requestSeq {
			continue
		}
		r.Count++
		r.Size += size
		r.Takes["all"]++
		if seq >= lateFrom || slices.Contains(lateAlso, seq) {
			r.Takes["late"]++
		}
	}
	return tailString(&r)
}

func tailString(r *store.Record) string {
	return fmt.Sprintf("tail %d-%d count %d size %d takes %v", r.Seq, r.Last, r.Count, r.Size, r.Takes)
}

// loadHead returns what LoadHead(head) gives for "q": the seqs of its
// full messages and its tail record; ids gets the seqs of its store.KindTailID
// records.
func loadHead(t *testing.T, s *pebblestore.PebbleStore, head int, ids ...*[]uint64) (full []uint64, tail string) {
	t.Helper()
	err := s.LoadHead(head, plain, func(r *store.Record) error {
		switch r.Kind {
		case store.KindMessage:
			full = append(full, r.Msg.Seq)
		case store.KindTail:
			if tail != "" {
				t.Fatalf("a second tail record %s after %s", tailString(r), tail)
			}
			tail = tailString(r)
		case store.KindTailID:
			if r.ID != msgID("q", r.Seq) || r.Producer != "producer-q" {
				t.Fatalf("store.KindTailID of seq %d: ID %x producer %q", r.Seq, r.ID, r.Producer)
			}
			for _, p := range ids {
				*p = append(*p, r.Seq)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("LoadHead: %v", err)
	}
	return full, tail
}

// A restart of a long queue reads its head and the blocks that hold
// something to hand over in full, not the backlog, and counts the rest
// exactly: messages, payload bytes, last seq and what each group takes.
func TestLoadHeadCountsBacklogWithoutReadingIt(t *testing.T) {
	const n, head = 32 * 4096, 4
	dir := t.TempDir()
	reads := &tableReads{}
	opts := pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, reads)}
	s := openPebble(t, dir, opts)
	b := writeBacklog(t, s, n)
	if err := s.Close(); err != nil { // flushes: the next opens read tables
		t.Fatal(err)
	}

	s = openPebble(t, dir, opts)
	before := reads.n.Load()
	var ids []uint64
	full, tail := loadHead(t, s, head, &ids)
	headReads := reads.n.Load() - before
	if want := seqRange((n/4096-1)*4096, n); !slices.Equal(ids, want) { // the two newest blocks
		t.Fatalf("LoadHead gave the IDs of %d messages from %v, want those of %d from %d", len(ids), ids[:min(len(ids), 1)], len(want), want[0])
	}
	if want := []uint64{1, 2, 3, 4, triedSeq, requestSeq}; !slices.Equal(full, want) {
		t.Fatalf("LoadHead handed over %v in full, want %v", full, want)
	}
	if want := b.tail(head); tail != want {
		t.Fatalf("LoadHead's tail:\n%s\nwant\n%s", tail, want)
	}
	if got, err := s.Undone("q"); err != nil || got != n-1 {
		t.Fatalf("Undone %d, %v; want %d", got, err, n-1)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openPebble(t, dir, opts)
	before = reads.n.Load()
	if got := len(messageSeqs(load(t, s), "q")); got != n-1 {
		t.Fatalf("Load gave %d messages, want %d", got, n-1)
	}
	fullReads := reads.n.Load() - before
	t.Logf("table reads: LoadHead %d, Load %d", headReads, fullReads)
	if headReads*3 > fullReads {
		t.Fatalf("LoadHead read the tables %d times, Load %d: want under a third", headReads, fullReads)
	}
}

// The counts stay exact as the queue moves: after acks in and out of
// order and a dead letter replayed, another restart counts what is left,
// and reading the tail from the store gives exactly the messages counted.
func TestLoadHeadCountsAfterChanges(t *testing.T) {
	const n, head = 10 * 4096, 4
	dir := t.TempDir()
	s := openPebble(t, dir, pebblestore.PebbleOptions{})
	b := writeBacklog(t, s, n)
	// The head is finished in order, a stretch further on out of order.
	var acks []store.Op
	for _, seq := range append(seqRange(1, 1500), seqRange(6000, 6100)...) {
		op := ackOp("q", seq, "", true)
		op.Size = b.sizes[seq]
		acks = append(acks, op)
		delete(b.sizes, seq)
	}
	mustWrite(t, s, true, acks...)
	// A message finished out of order and written again (a dead letter
	// replayed), alone in its block, is counted once, with its new size.
	done := ackOp("q", 10000, "", true)
	done.Size = b.sizes[10000]
	mustWrite(t, s, true, done)
	mustWrite(t, s, true, appendOp("q", 10000))
	b.sizes[10000] = len(newMsg("q", 10000).Data)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	full, tail := loadHead(t, s, head)
	if want := []uint64{1501, 1502, 1503, 1504, triedSeq, requestSeq}; !slices.Equal(full, want) {
		t.Fatalf("LoadHead handed over %v in full, want %v", full, want)
	}
	if want := b.tail(1504); tail != want {
		t.Fatalf("LoadHead's tail:\n%s\nwant\n%s", tail, want)
	}
	// The tail read back a page at a time holds the messages counted.
	var got int
	for from := uint64(1505); ; {
		recs, err := s.ReadMessages("q", from, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		got += len(recs)
		from = recs[len(recs)-1].Msg.Seq + 1
	}
	if want := len(b.sizes) - head; got != want {
		t.Fatalf("read %d messages past the head, want %d", got, want)
	}
}
