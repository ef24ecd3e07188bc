package pebblestore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// TestSupersededSubKeys checks that a batch that finishes a message
// writes no attempt or group ack of that message, while those of messages
// it does not finish, and those written in an earlier batch, are kept;
// after a reopen Load gives the undone messages with their attempts and
// acks.
func TestSupersededSubKeys(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	var ops []store.Op
	for seq := uint64(1); seq <= 6; seq++ {
		ops = append(ops, testMessage(seq))
	}
	if err := s.Write(ops, false); err != nil {
		t.Fatal(err)
	}
	// Seq 6 is attempted in a batch of its own, finished in the next.
	attempt := func(seq uint64) store.Op {
		return store.Op{Kind: store.KindAttempt, Command: "q", Seq: seq, Group: "g", Attempt: 1}
	}
	last := func(seq uint64) store.Op {
		return store.Op{Kind: store.KindAck, Command: "q", Seq: seq, Last: true}
	}
	if err := s.Write([]store.Op{attempt(6)}, false); err != nil {
		t.Fatal(err)
	}
	ops = []store.Op{
		attempt(1), attempt(2), attempt(3), attempt(4), attempt(5),
		{Kind: store.KindAck, Command: "q", Seq: 2, Group: "h"},
		{Kind: store.KindAck, Command: "q", Seq: 4, Group: "h"},
		last(1), last(2), last(6),
	}
	if err := s.Write(ops, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db := openRaw(t, dir)
	c := s.idx.cmds["q"]
	lower, upper := laneBounds(c.id, laneMain)
	it, _ := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	var subs []string
	for it.First(); it.Valid(); it.Next() {
		p, _ := parseQueueKey(it.Key())
		switch p.sub {
		case subAttempt:
			subs = append(subs, fmt.Sprintf("attempt %d %s", p.seq, p.group))
		case subAck:
			subs = append(subs, fmt.Sprintf("ack %d %s", p.seq, p.group))
		}
	}
	it.Close()
	db.Close()
	want := []string{"attempt 3 g", "attempt 4 g", "ack 4 h", "attempt 5 g", "attempt 6 g"}
	slices.Sort(subs)
	slices.Sort(want)
	if !slices.Equal(subs, want) {
		t.Fatalf("sub-keys in the store: %q, want %q", subs, want)
	}

	s = mustOpen(t, dir)
	var got []string
	err := s.Load(func(r *store.Record) error {
		if r.Kind == store.KindMessage {
			got = append(got, fmt.Sprintf("%d attempts=%v acked=%v", r.Msg.Seq, r.Attempts, r.AckedBy))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantLoad := []string{"3 attempts=map[g:1] acked=[]", "4 attempts=map[g:1] acked=[h]", "5 attempts=map[g:1] acked=[]"}
	if !slices.Equal(got, wantLoad) {
		t.Fatalf("Load: %q, want %q", got, wantLoad)
	}
}
