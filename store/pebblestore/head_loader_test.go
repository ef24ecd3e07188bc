package pebblestore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// LoadHead hands the first messages of each queue in full and, past them,
// counts the plain messages that no group has and has not acked in one
// KindTail record (from, last, count, payload bytes, and per durable
// group the messages it takes and did not ack); a message a durable group
// was handed and did not ack, or one not light, comes in full, in Seq
// order, and every message comes once. The acks and attempts of a group
// that is gone at a restart (not durable: here "x") do not count.
func TestLoadHeadLeavesOutTheTail(t *testing.T) {
	dir := t.TempDir()
	s := openPebble(t, dir, pebblestore.PebbleOptions{})
	ops := append([]store.Op{{Kind: store.KindGroup, Command: "cmd", Group: "g"}}, appends("cmd", seqRange(1, 10)...)...)
	ops[7].Msg.Flags = 1 // seq 7: not light
	mustWrite(t, s, true, ops...)
	mustWrite(t, s, true,
		ackOp("cmd", 5, "g", false),
		ackOp("cmd", 6, "x", false),
		store.Op{Kind: store.KindAttempt, Command: "cmd", Seq: 6, Group: "x", Attempt: 1},
		store.Op{Kind: store.KindAttempt, Command: "cmd", Seq: 9, Group: "x", Attempt: 1},
		store.Op{Kind: store.KindAttempt, Command: "cmd", Seq: 8, Group: "g", Attempt: 2})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	var got []string
	err := s.LoadHead(3, func(flags uint8, deadline int64) bool { return flags == 0 && deadline == 0 }, func(r *store.Record) error {
		switch r.Kind {
		case store.KindMessage:
			got = append(got, fmt.Sprintf("msg %d acked %v attempts %v data %s", r.Msg.Seq, r.AckedBy, r.Attempts, r.Msg.Data))
		case store.KindTail:
			got = append(got, fmt.Sprintf("tail %d-%d count %d size %d takes %v", r.Seq, r.Last, r.Count, r.Size, r.Takes))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"msg 1 acked [] attempts map[] data cmd/1",
		"msg 2 acked [] attempts map[] data cmd/2",
		"msg 3 acked [] attempts map[] data cmd/3",
		"msg 7 acked [] attempts map[] data cmd/7",
		"msg 8 acked [] attempts map[g:2] data cmd/8",
		"tail 4-10 count 5 size 26 takes map[g:4]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("LoadHead gave\n%q\nwant\n%q", got, want)
	}
	if n, err := s.Undone("cmd"); err != nil || n != 10 {
		t.Fatalf("Undone %d, %v after LoadHead; want 10", n, err)
	}
}
