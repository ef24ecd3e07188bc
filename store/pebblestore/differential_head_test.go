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
// messages the MemoryStore holds, none of the tail's attempted by a
// group that did not ack it or acked by a group that is not durable, and
// the tail's counts (messages, bytes, per group: those it did not ack)
// are those of the messages read back. Groups now and then drain a
// stretch of a queue (an attempt and an ack of each message), so that
// some tails count messages a group is done with. Read in full at last,
// the pebble store holds what the memory store holds.
func TestPebbleHeadMatchesMemory(t *testing.T) {
	pebblestore.SetBlockShift(t, 3)
	const seeds, steps, head = 6, 200, 2
	acked := 0
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
				if g.r.IntN(3) == 0 {
					ops = append(ops, g.drain()...)
				}
				sync := g.r.IntN(3) == 0
				mustWrite(t, mem, sync, ops...)
				mustWrite(t, peb, sync, ops...)
				if g.r.IntN(12) == 0 || step == steps-1 {
					if err := peb.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
					peb = openPebble(t, dir, pebblestore.PebbleOptions{})
					n, a := compareHead(t, peb, mem, head)
					tails += n
					acked += a
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
	if acked < 100 {
		t.Fatalf("the tails counted %d messages a group acked, want at least 100", acked)
	}
}

// drain is a group's attempt and ack (not the last) of a stretch of a
// command's messages, in Seq order, from one near its oldest.
func (g *opGen) drain() []store.Op {
	cmd := g.cmds[g.r.IntN(len(g.cmds))]
	group := g.groups[g.r.IntN(len(g.groups))]
	n := g.next[cmd]
	if n == 0 {
		return nil
	}
	from := 1 + uint64(g.r.IntN(int(n)))/4
	var ops []store.Op
	for seq := from; seq <= min(n, from+24); seq++ {
		ops = append(ops, store.Op{Kind: store.KindAttempt, Command: cmd, Seq: seq, Group: group, Attempt: 1},
			ackOp(cmd, seq, group, false))
	}
	return ops
}

// compareHead loads the reopened pebble store with LoadHead, reads its
// tails back and compares them with the memory store's messages. It
// returns how many messages the tails counted, and how many of them a
// group acked.
func compareHead(t *testing.T, peb *pebblestore.PebbleStore, mem store.Store, head int) (counted, acked int) {
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
		takes := map[string]int{}
		for _, r := range recs {
			if slices.ContainsFunc(full[cmd], func(f *store.Record) bool { return f.Msg.Seq == r.Msg.Seq }) {
				continue
			}
			// A group that is not durable is gone at a restart, but the
			// default group of a command without durable groups.
			ghost := func(g string) bool {
				return !slices.Contains(groups[cmd], g) && (g != "" || len(groups[cmd]) > 0)
			}
			for g := range r.Attempts {
				if !slices.Contains(r.AckedBy, g) && !ghost(g) {
					t.Fatalf("%s: LoadHead counted message %s, which group %q has, in the tail", cmd, messageString(r), g)
				}
			}
			for _, g := range r.AckedBy {
				if !slices.Contains(groups[cmd], g) && !ghost(g) {
					t.Fatalf("%s: LoadHead counted message %s, acked by the default group, in the tail", cmd, messageString(r))
				}
			}
			if slices.ContainsFunc(r.AckedBy, func(g string) bool { return slices.Contains(groups[cmd], g) }) {
				acked++
			}
			for _, g := range groups[cmd] { // every group of the generator takes every message
				if !slices.Contains(r.AckedBy, g) {
					takes[g]++
				}
			}
			n++
			size += len(r.Msg.Data)
			got[cmd] = append(got[cmd], messageString(r))
		}
		if tail.Count != n || tail.Size != size {
			t.Fatalf("%s: tail from %d counts %d messages of %d bytes; %d of %d bytes read back", cmd, tail.Seq, tail.Count, tail.Size, n, size)
		}
		for _, g := range groups[cmd] {
			if tail.Takes[g] != takes[g] {
				t.Fatalf("%s: tail takes %v, want %v", cmd, tail.Takes, takes)
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
	return counted, acked
}

// messageString says what a message record holds.
func messageString(r *store.Record) string {
	acked := slices.Sorted(slices.Values(r.AckedBy))
	return fmt.Sprintf("%06d %s acked %v attempts %v", r.Msg.Seq, r.Msg.Data, acked, r.Attempts)
}
