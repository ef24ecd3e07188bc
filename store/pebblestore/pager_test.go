package pebblestore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/teonet-go/teomq/store"
)

// Paging cases of the conformance suite (TestConformance runs them
// against every store).

// pager returns f's store as a Pager.
func (f *fixture) pager() store.Pager {
	f.t.Helper()
	p, ok := f.s.(store.Pager)
	if !ok {
		f.t.Fatalf("%T is not a store.Pager", f.s)
	}
	return p
}

// page reads a page and returns its records.
func (f *fixture) page(command string, from uint64, limit int) []*store.Record {
	f.t.Helper()
	recs, err := f.pager().ReadMessages(command, from, limit)
	if err != nil {
		f.t.Fatalf("ReadMessages(%q, %d, %d): %v", command, from, limit, err)
	}
	return recs
}

func pageSeqs(recs []*store.Record) []uint64 {
	var s []uint64
	for _, r := range recs {
		s = append(s, r.Msg.Seq)
	}
	return s
}

// A page holds the undone messages from a Seq on, in order, with their
// acks and attempts, and as many as asked; Undone counts them.
func testPages(t *testing.T, f *fixture) {
	f.write(true, store.Op{Kind: store.KindGroup, Command: "q", Group: "g"})
	f.write(true, appends("q", seqRange(1, 10)...)...)
	f.write(true, appends("other", 1, 2)...)
	f.write(true, lastAcks("q", 1, 3)...)
	f.write(true, ackOp("q", 5, "g", false),
		store.Op{Kind: store.KindAttempt, Command: "q", Seq: 6, Group: "g", Attempt: 2})
	for round := range 2 {
		if got := pageSeqs(f.page("q", 0, 4)); !slices.Equal(got, []uint64{2, 4, 5, 6}) {
			t.Fatalf("round %d: first page %v, want [2 4 5 6]", round, got)
		}
		recs := f.page("q", 5, 2)
		if len(recs) != 2 || fmt.Sprint(recs[0].AckedBy) != "[g]" || recs[1].Attempts["g"] != 2 || recs[1].Msg.Attempt != 2 {
			t.Fatalf("round %d: page from 5: %s, want 5 acked by g and 6 with 2 attempts in g", round, dump(recs))
		}
		if string(recs[0].Msg.Data) != "q/5" || recs[0].Msg.ID != msgID("q", 5) || recs[0].Kind != store.KindMessage || recs[0].Command != "q" {
			t.Fatalf("round %d: message 5 read back as %s", round, dump(recs[:1]))
		}
		if got := pageSeqs(f.page("q", 7, 100)); !slices.Equal(got, []uint64{7, 8, 9, 10}) {
			t.Fatalf("round %d: last page %v, want [7 8 9 10]", round, got)
		}
		if got := f.page("q", 11, 5); len(got) != 0 {
			t.Fatalf("round %d: page past the end: %s", round, dump(got))
		}
		if got := f.page("none", 0, 5); len(got) != 0 {
			t.Fatalf("round %d: page of an unknown command: %s", round, dump(got))
		}
		if got := f.page("q", 0, 0); len(got) != 0 {
			t.Fatalf("round %d: page of 0 messages: %s", round, dump(got))
		}
		for cmd, want := range map[string]int{"q": 8, "other": 2, "none": 0} {
			if n, err := f.pager().Undone(cmd); err != nil || n != want {
				t.Fatalf("round %d: Undone(%q) = %d, %v; want %d", round, cmd, n, err, want)
			}
		}
		f.reopen() // the second round reads before any Load
	}
}

// A message written again below the watermark (a replayed dead letter)
// takes its place in Seq order among the others; the pages see it once.
func testPagesReplayBelowWatermark(t *testing.T, f *fixture) {
	f.write(true, appends("q", seqRange(1, 6)...)...)
	f.write(true, lastAcks("q", 1, 2, 3, 4)...)
	f.write(true, appendOp("q", 2), appendOp("q", 5))
	for round := range 2 {
		if got := pageSeqs(f.page("q", 0, 2)); !slices.Equal(got, []uint64{2, 5}) {
			t.Fatalf("round %d: first page %v, want [2 5]", round, got)
		}
		if got := pageSeqs(f.page("q", 0, 10)); !slices.Equal(got, []uint64{2, 5, 6}) {
			t.Fatalf("round %d: whole queue %v, want [2 5 6]", round, got)
		}
		if got := pageSeqs(f.page("q", 3, 10)); !slices.Equal(got, []uint64{5, 6}) {
			t.Fatalf("round %d: from 3: %v, want [5 6]", round, got)
		}
		if n, err := f.pager().Undone("q"); err != nil || n != 3 {
			t.Fatalf("round %d: Undone = %d, %v; want 3", round, n, err)
		}
		f.reopen()
		f.load()
	}
}

// Pages of a long queue read while it drains: each page starts where the
// last one ended and nothing is read twice or missed.
func testPagesWhileDraining(t *testing.T, f *fixture) {
	const n = 200
	f.write(true, appends("q", seqRange(1, n)...)...)
	var got []uint64
	next := uint64(0)
	for range n { // bounded: each round reads or acks at least one message
		recs := f.page("q", next, 7)
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			got = append(got, r.Msg.Seq)
			next = r.Msg.Seq + 1
		}
		f.write(false, lastAcks("q", pageSeqs(recs)...)...)
	}
	if !slices.Equal(got, seqRange(1, n)) {
		t.Fatalf("paged %d messages %v..., want 1..%d once each", len(got), got[:min(len(got), 10)], n)
	}
	if n, err := f.pager().Undone("q"); err != nil || n != 0 {
		t.Fatalf("Undone after the drain = %d, %v; want 0", n, err)
	}
}

// Pages read while other goroutines append and finish messages are in
// Seq order and hold only messages that were appended, with their own
// payloads.
func testPagesConcurrentWrites(t *testing.T, f *fixture) {
	const n = 300
	done := make(chan error, 1)
	go func() { // owned by the test: ends after n appends
		for seq := uint64(1); seq <= n; seq++ {
			ops := []store.Op{appendOp("q", seq)}
			if seq > 10 {
				ops = append(ops, ackOp("q", seq-10, "", true))
			}
			if err := f.s.Write(ops, false); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 200 {
		recs := f.page("q", 0, 20)
		for i, r := range recs {
			if i > 0 && r.Msg.Seq <= recs[i-1].Msg.Seq {
				t.Fatalf("page out of order: %v", pageSeqs(recs))
			}
			if want := fmt.Sprintf("q/%d", r.Msg.Seq); string(r.Msg.Data) != want {
				t.Fatalf("seq %d read with payload %q, want %q", r.Msg.Seq, r.Msg.Data, want)
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := pageSeqs(f.page("q", 0, 100)); !slices.Equal(got, seqRange(n-9, n)) {
		t.Fatalf("after the writes: %v, want %d..%d", got, n-9, n)
	}
}
