package pebblestore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// TestPebbleHeadMatchesMemory is TestPebbleMatchesMemory across restarts
// that read only the head of each queue: with blocks of progress records
// of 8 seqs, after each reopen the messages LoadHead hands over in full
// and those of the tail it counts, read back with ReadMessages, are the
// messages the MemoryStore holds, none of the tail's acked or attempted,
// and the tail's counts (messages, bytes, per group) are those of the
// messages read back. Read in full at last, the pebble store holds what
// the memory store holds.
func TestPebbleHeadMatchesMemory(t *testing.T) {
	pebblestore.SetBlockShift(t, 3)
	const seeds, steps, head = 6, 200, 2
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			g := newOpGen(seed)
			mem := store.NewMemory()
			dir := t.TempDir()
			peb := openPebble(t, dir, pebblestore.PebbleOptions{})
			tails := 0
			for step := range steps {
				ops := slices.DeleteFunc(g.batch(), func(op store.Op) bool {
					// Fewer attempts and acks leave more blocks that
					// LoadHead counts without reading.
					return (op.Kind == store.KindAttempt || op.Kind == store.KindAck) && g.r.IntN(4) != 0
				})
				sync := g.r.IntN(3) == 0
				mustWrite(t, mem, sync, ops...)
				mustWrite(t, peb, sync, ops...)
				if g.r.IntN(12) == 0 || step == steps-1 {
					if err := peb.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
					peb = openPebble(t, dir, pebblestore.PebbleOptions{})
					tails += compareHead(t, peb, mem, head)
				}
			}
			if tails == 0 {
				t.Fatal("no restart left a tail in the store")
			}
			// The index LoadHead built took the writes since as the
			// store read in full does.
			if err := peb.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			wantRecords(t, load(t, openPebble(t, dir, pebblestore.PebbleOptions{})), load(t, mem))
		})
	}
}

// compareHead loads the reopened pebble store with LoadHead, reads its
// tails back and compares them with the memory store's messages. It
// returns how many messages the tails counted.
func compareHead(t *testing.T, peb *pebblestore.PebbleStore, mem store.Store, head int) int {
	t.Helper()
	full := map[string][]*store.Record{}
	tails := map[string]store.Record{}
	groups := map[string][]string{}
	err := peb.LoadHead(head, plain, func(r *store.Record) error {
		switch r.Kind {
		case store.KindMessage:
			full[r.Command] = append(full[r.Command], r)
		case store.KindTail:
			tails[r.Command] = *r
		case store.KindGroup:
			groups[r.Command] = append(groups[r.Command], r.Group)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("LoadHead: %v", err)
	}
	got := map[string][]string{}
	counted := 0
	for cmd, recs := range full {
		for _, r := range recs {
			got[cmd] = append(got[cmd], messageString(r))
		}
	}
	for cmd, tail := range tails {
		recs, err := peb.ReadMessages(cmd, tail.Seq, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var n, size int
		for _, r := range recs {
			if slices.ContainsFunc(full[cmd], func(f *store.Record) bool { return f.Msg.Seq == r.Msg.Seq }) {
				continue
			}
			if len(r.AckedBy) > 0 || len(r.Attempts) > 0 {
				t.Fatalf("%s: LoadHead counted message %s in the tail", cmd, messageString(r))
			}
			n++
			size += len(r.Msg.Data)
			got[cmd] = append(got[cmd], messageString(r))
		}
		if tail.Count != n || tail.Size != size {
			t.Fatalf("%s: tail from %d counts %d messages of %d bytes; %d of %d bytes read back", cmd, tail.Seq, tail.Count, tail.Size, n, size)
		}
		for _, g := range groups[cmd] { // every group of the generator takes every message
			if tail.Takes[g] != n {
				t.Fatalf("%s: tail takes %v, want %d for group %q", cmd, tail.Takes, n, g)
			}
		}
		counted += n
	}
	want := map[string][]string{}
	for _, r := range load(t, mem) {
		if r.Kind == store.KindMessage {
			want[r.Command] = append(want[r.Command], messageString(r))
		}
	}
	for cmd := range got {
		slices.Sort(got[cmd])
	}
	for cmd := range want {
		slices.Sort(want[cmd])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages after a restart with LoadHead:\n%v\nwant\n%v", got, want)
	}
	return counted
}

// messageString says what a message record holds.
func messageString(r *store.Record) string {
	acked := slices.Sorted(slices.Values(r.AckedBy))
	return fmt.Sprintf("%06d %s acked %v attempts %v", r.Msg.Seq, r.Msg.Data, acked, r.Attempts)
}
