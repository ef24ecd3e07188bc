package router_test

import (
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// parkRun is a command whose group a drains messages 1 to 6 of producer
// p, with a window of 2, and message 7 of producer q, which has the ID of
// message 4 and was published while message 4 waited in the store (where
// the router, which knows the IDs of the messages it holds, could not
// refuse it).
func parkRun(t *testing.T) (*harness, *pagedStore, []router.Action) {
	h := newHarness(t, router.Config{Window: 2, Lease: time.Hour})
	s := newPagedStore(h)
	h.subscribe(10, 1, "cmd", "a", 1)
	var ds []router.Action
	var fourth router.ID
	for i := range 6 {
		m := h.msg("cmd", "p", false)
		ds = append(ds, s.publishStoredFrom(t, 1, m)...)
		if i == 3 {
			fourth = m.ID
		}
	}
	if h.r.IsLive(fourth) {
		t.Fatal("message 4 is in memory: no tail")
	}
	m := h.msg("cmd", "q", false)
	m.ID = fourth
	ds = append(ds, s.publishStoredFrom(t, 2, m)...)
	if m.Seq != 7 {
		t.Fatalf("q's message took Seq %d, want 7", m.Seq)
	}
	return h, s, ds
}

// holdFourth answers every delivery of ds and those they bring but
// message 4's, with a credit of 3, until only 4 is out, and returns its
// delivery: the page that brings message 7 is read while 4 holds its ID.
func holdFourth(t *testing.T, h *harness, s *pagedStore, ds []router.Action) router.Action {
	t.Helper()
	ds = append(ds, s.apply(h.setCredit(10, 1, 3))...)
	var four router.Action
	for i := 0; len(ds) > 0; i++ {
		if i > 100 {
			t.Fatal("no end to the deliveries")
		}
		d := ds[0]
		ds = ds[1:]
		if d.Msg.Seq == 4 {
			four = d
			continue
		}
		if d.Msg.Seq == 7 {
			t.Fatal("message 7 delivered while message 4, which has its ID, is out")
		}
		ds = append(ds, s.apply(h.answer(d, router.Reply, ""))...)
	}
	if four.Msg == nil {
		t.Fatal("message 4 not delivered")
	}
	return four
}

// A message that a page brings while another message holds its ID waits
// in the store until the ID is free, counted, and is then delivered: no
// message is lost.
func TestParkedMessageIsDeliveredOnceItsIDIsFree(t *testing.T) {
	h, s, ds := parkRun(t)
	four := holdFourth(t, h, s, ds)
	if n := h.r.QueueLen("cmd"); n != 2 {
		t.Fatalf("QueueLen %d with 4 out and 7 waiting, want 2", n)
	}
	ds = s.apply(h.answer(four, router.Reply, ""))
	if len(ds) != 1 || ds[0].Msg.Seq != 7 {
		t.Fatalf("the answer of 4 delivered %d messages, want message 7", len(ds))
	}
	if s.apply(h.answer(ds[0], router.Reply, "")); h.r.QueueLen("cmd") != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drain, want none", h.r.QueueLen("cmd"), len(s.msgs))
	}
}

// A purge deletes a waiting message too: it is not delivered after, and
// the store holds nothing.
func TestParkedMessagePurged(t *testing.T) {
	h, s, ds := parkRun(t)
	four := holdFourth(t, h, s, ds)
	acts, n, err := h.r.PurgeQueue(h.now, "cmd")
	if err != nil {
		t.Fatal(err)
	}
	s.apply(h.done(acts))
	if n != 1 || h.r.QueueLen("cmd") != 1 || len(s.msgs) != 1 {
		t.Fatalf("purged %d, QueueLen %d, %d stored; want 1 purged, 4 left in flight", n, h.r.QueueLen("cmd"), len(s.msgs))
	}
	if more := s.apply(h.answer(four, router.Reply, "")); len(more) > 0 {
		t.Fatalf("delivered %d after the purge (first: %d)", len(more), more[0].Msg.Seq)
	}
	if n := h.r.QueueLen("cmd"); n != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the purge, want none", n, len(s.msgs))
	}
}

// A message of a group's back that a page brings while another message
// holds its ID (another producer's, published while it waited in the
// store) waits too, and the group gets it once the ID is free.
func TestParkedBackMessageIsDeliveredOnceItsIDIsFree(t *testing.T) {
	const n = 40
	b, ds := newBackRun(t, n)
	if got, _ := b.drain(ds); len(got) != n {
		t.Fatalf("group a got %d messages, want %d", len(got), n)
	}
	if b.live() > backWindow {
		t.Fatalf("%d of the messages in memory after group a drained, want at most %d", b.live(), backWindow)
	}
	m := b.h.msg("cmd", "q", false)
	m.ID = b.ids[n-1] // the last message's: in group b's back, out of memory
	m.Data = []byte("q's")
	ds = b.s.publishStoredFrom(t, 2, m)
	b.data[m.Seq] = m.Data
	if len(ds) != 1 || ds[0].Group != "a" || ds[0].Msg.Seq != m.Seq {
		t.Fatalf("q's message: %d deliveries, want one to group a", len(ds))
	}
	held := ds[0] // group a holds q's message, and with it the ID
	ds = b.s.apply(b.h.subscribe(11, 2, "cmd", "b", 2))
	var got []uint64
	for i := 0; len(ds) > 0; i++ {
		if i > 10*n {
			t.Fatal("no end to the deliveries")
		}
		d := ds[0]
		ds = ds[1:]
		got = append(got, d.Msg.Seq)
		ds = append(ds, b.s.apply(b.h.answer(d, router.Reply, ""))...)
	}
	// b takes q's message (in memory, in its back) and waits for its
	// own last message until group a is done with q's.
	if want := append(oneTo(n-1), n+1); !slices.Equal(got, want) {
		t.Fatalf("group b got %v while q's message is out, want %v", got, want)
	}
	got, _ = b.drain(b.s.apply(b.h.answer(held, router.Reply, "")))
	if want := []uint64{n}; !slices.Equal(got, want) {
		t.Fatalf("group b got %v once q's message was answered, want %v", got, want)
	}
	if q := b.h.r.QueueLen("cmd"); q != 0 || len(b.s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drain, want none", q, len(b.s.msgs))
	}
}

// Two stored sends with one ID (another producer's taken while the first
// waited in the store) both come back from a restart: the second waits
// until the first is done.
func TestParkedAtARestart(t *testing.T) {
	h := newHarness(t, router.Config{Lease: time.Hour})
	first, second := stored(h, "cmd", 1), stored(h, "cmd", 2)
	first.Request, second.Request = false, false // plain sends
	second.ID, second.From = first.ID, "q"
	h.r.Restore(first, nil, nil)
	h.r.Restore(second, nil, nil)
	ds := deliveries(h.subscribe(10, 1, "cmd", "", 2))
	if len(ds) != 1 || ds[0].Msg != first {
		t.Fatalf("%d deliveries at the start, want the first message alone", len(ds))
	}
	if n := h.r.QueueLen("cmd"); n != 2 {
		t.Fatalf("QueueLen %d, want 2", n)
	}
	if ds = deliveries(h.answer(ds[0], router.Reply, "")); len(ds) != 1 || ds[0].Msg != second {
		t.Fatalf("%d deliveries once the first was answered, want the second message", len(ds))
	}
}

// A tail message that waits for its ID, which its groups' backs also
// span (group b is away; its back holds the messages around it), comes
// to each group once, when the ID is free, and a deletion of group b
// meanwhile leaves it in the store for group a.
func TestParkedTailMessageInABackRange(t *testing.T) {
	for _, deleteB := range []bool{false, true} {
		t.Run(map[bool]string{false: "drain", true: "delete b"}[deleteB], func(t *testing.T) {
			const n = 40
			b, ds := newBackRun(t, n)
			// q's message on another command, not consumed, holds the
			// ID of message 20 while it waits in the tail.
			m := b.h.msg("other", "q", false)
			m.ID = b.ids[19]
			b.h.publish(2, m)
			got, _ := b.drain(ds)
			if want := append(oneTo(19), oneTo(n)[20:]...); !slices.Equal(got, want) {
				t.Fatalf("group a got %v while q's message holds 20's ID, want %v", got, want)
			}
			if deleteB {
				acts, _, err := b.h.r.DeleteGroup(b.h.now, "cmd", "b")
				if err != nil {
					t.Fatal(err)
				}
				b.s.apply(b.h.done(acts))
				if _, ok := b.s.msgs[20]; !ok {
					t.Fatal("the deletion of group b deleted message 20, which group a waits for")
				}
			} else {
				ds = b.s.apply(b.h.subscribe(11, 2, "cmd", "b", 2))
				if got, _ = b.drain(ds); !slices.Equal(got, append(oneTo(19), oneTo(n)[20:]...)) {
					t.Fatalf("group b got %v while q's message holds 20's ID", got)
				}
			}
			// q's message is taken: 20 comes, once to each group left.
			ds = deliveries(b.h.subscribe(12, 1, "other", "", 1))
			if len(ds) != 1 || ds[0].Msg != m {
				t.Fatalf("%d deliveries of command other, want q's message", len(ds))
			}
			got, _ = b.drain(b.s.apply(b.h.answer(ds[0], router.Reply, "")))
			want := []uint64{20, 20}
			if deleteB {
				want = want[:1]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v once q's message was answered, want %v", got, want)
			}
			if q := b.h.r.QueueLen("cmd"); q != 0 || len(b.s.msgs) != 0 {
				t.Fatalf("QueueLen %d and %d stored after the drain, want none", q, len(b.s.msgs))
			}
		})
	}
}
