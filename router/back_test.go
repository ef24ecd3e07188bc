package router_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// backRun is a command with two durable groups: b, whose consumer is
// gone, and a, which drains n messages published to it.
type backRun struct {
	t    *testing.T
	h    *harness
	s    *pagedStore
	ids  []router.ID
	data map[uint64][]byte
}

const backWindow = 4

func newBackRun(t *testing.T, n int) (*backRun, []router.Action) {
	h := newHarness(t, router.Config{Window: backWindow, Lease: time.Hour}) // no lease ends in a test
	b := &backRun{t: t, h: h, s: newPagedStore(h), data: make(map[uint64][]byte)}
	h.subscribe(11, 1, "cmd", "b", 1)
	h.unsubscribe(11, 1) // group b stays, with no consumer
	h.subscribe(10, 1, "cmd", "a", 2)
	var ds []router.Action
	for i := range n {
		m := h.msg("cmd", "p", false)
		m.Data = fmt.Appendf(nil, "payload %d", i)
		ds = append(ds, b.s.publishStored(t, m)...) // gives m its Seq
		b.data[m.Seq] = m.Data
		b.ids = append(b.ids, m.ID)
	}
	return b, ds
}

// live counts the published messages the router holds in memory.
func (b *backRun) live() int {
	n := 0
	for _, id := range b.ids {
		if b.h.r.IsLive(id) {
			n++
		}
	}
	return n
}

// drain answers ds and the deliveries they bring until none is left, and
// returns the Seqs delivered, in order, and the most messages held in
// memory on the way.
func (b *backRun) drain(ds []router.Action) (got []uint64, most int) {
	b.t.Helper()
	for i := 0; len(ds) > 0; i++ {
		if i > 10*len(b.ids) {
			b.t.Fatal("no end to the deliveries")
		}
		d := ds[0]
		ds = ds[1:]
		if !bytes.Equal(d.Msg.Data, b.data[d.Msg.Seq]) {
			b.t.Fatalf("group %s: message %d delivered with %q, want %q", d.Group, d.Msg.Seq, d.Msg.Data, b.data[d.Msg.Seq])
		}
		got = append(got, d.Msg.Seq)
		ds = append(ds, b.s.apply(b.h.answer(d, router.Reply, ""))...)
		most = max(most, b.live())
	}
	return got, most
}

func oneTo(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// A durable group whose consumer is gone keeps no more than its window of
// messages in memory while another group drains the command: the copies
// it still needs wait in the store (its back), and the messages leave
// memory as the other group finishes them. Its consumer, back, gets every
// message, in order and whole, read back from the store.
func TestBackKeepsAnAbsentGroupOutOfMemory(t *testing.T) {
	const n = 400
	b, ds := newBackRun(t, n)
	got, most := b.drain(ds)
	if !slices.Equal(got, oneTo(n)) {
		t.Fatalf("group a got %d messages (%v...), want 1..%d", len(got), got[:min(len(got), 5)], n)
	}
	if most > 4*backWindow {
		t.Fatalf("%d of %d messages in memory while group a drained, want at most %d", most, n, 4*backWindow)
	}
	if l := b.live(); l > backWindow {
		t.Fatalf("%d messages in memory after group a drained, want at most group b's window (%d)", l, backWindow)
	}
	if st := b.h.r.Stats(); st.Pending != n || st.Messages != n {
		t.Fatalf("stats: %d pending, %d messages; want %d of each", st.Pending, st.Messages, n)
	}
	if d := b.h.r.Stats().Dedup; d != 0 {
		t.Fatalf("%d finished IDs in the dedup window, want none: every message waits for group b", d)
	}
	got, _ = b.drain(b.s.apply(b.h.subscribe(12, 1, "cmd", "b", 3)))
	if !slices.Equal(got, oneTo(n)) {
		t.Fatalf("group b got %d messages (%v...), want 1..%d", len(got), got[:min(len(got), 5)], n)
	}
	if b.s.backLoads == 0 {
		t.Fatal("group b's messages were never read back from its back")
	}
	if q := b.h.r.QueueLen("cmd"); q != 0 || len(b.s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after both drains, want none", q, len(b.s.msgs))
	}
}

// Deleting a group whose copies wait in the store deletes the messages no
// other group needs from the store at once, and frees the command's
// queue length.
func TestBackDeleteGroupDeletesItsCopiesInTheStore(t *testing.T) {
	const n = 100
	b, ds := newBackRun(t, n)
	b.drain(ds)
	acts, copies, err := b.h.r.DeleteGroup(b.h.now, "cmd", "b")
	if err != nil || copies != n {
		t.Fatalf("DeleteGroup: %d copies, %v; want %d", copies, err, n)
	}
	b.s.apply(b.h.done(acts))
	if q := b.h.r.QueueLen("cmd"); q != 0 || len(b.s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the deletion, want none", q, len(b.s.msgs))
	}
	if st := b.h.r.Stats(); st.Pending != 0 || st.Messages != 0 || st.Dedup != n {
		t.Fatalf("stats %+v: want nothing pending or held, the %d IDs in the dedup window", st, n)
	}
	m := b.h.msg("cmd", "p", false)
	m.Data = []byte("after")
	b.data[0] = nil
	if ds := b.s.publishStored(t, m); len(ds) != 1 || ds[0].Group != "a" {
		t.Fatalf("a publish after the deletion: deliveries %v, want one to group a", ds)
	}
}

// A queue purge takes the copies of a back too.
func TestBackPurge(t *testing.T) {
	const n = 100
	b, ds := newBackRun(t, n)
	b.drain(ds)
	acts, copies, err := b.h.r.PurgeQueue(b.h.now, "cmd")
	if err != nil || copies != n {
		t.Fatalf("PurgeQueue: %d copies, %v; want %d", copies, err, n)
	}
	b.s.apply(b.h.done(acts))
	if q := b.h.r.QueueLen("cmd"); q != 0 || len(b.s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the purge, want none", q, len(b.s.msgs))
	}
	if ds := b.s.apply(b.h.subscribe(12, 1, "cmd", "b", 3)); len(ds) != 0 {
		t.Fatalf("group b got %d deliveries after the purge, want none", len(ds))
	}
}

// A message with a deadline keeps its state in memory while its copy
// waits in a back, and expires there at its deadline; a page of the back
// read before the expiry does not bring it back.
func TestBackPageReadBeforeAnExpiry(t *testing.T) {
	b, ds := newBackRun(t, backWindow) // group b's window, queued
	m := b.h.msg("cmd", "p", false)
	m.Data = []byte("expires")
	m.Deadline = b.h.now.Add(time.Minute)
	ds = append(ds, b.s.publishStored(t, m)...)
	b.data[m.Seq] = m.Data
	b.ids = append(b.ids, m.ID)
	after := b.h.msg("cmd", "p", false) // a plain send: it leaves memory
	after.Data = []byte("after")
	ds = append(ds, b.s.publishStored(t, after)...)
	b.data[after.Seq] = after.Data
	b.ids = append(b.ids, after.ID)
	b.drain(ds)
	if !b.h.r.IsLive(m.ID) {
		t.Fatal("the message with a deadline left memory")
	}
	var load router.Action
	acts := b.h.subscribe(12, 1, "cmd", "b", 1)
	for _, a := range acts {
		if a.Kind == router.ActLoadBack {
			load = a
		}
	}
	if load.Kind != router.ActLoadBack {
		t.Fatalf("group b's subscription asked for no page of its back: %v", acts)
	}
	page := b.s.read(load.Msg.Seq, load.Attempt) // read now, handed over after the expiry
	if len(page) != 2 || page[0].Msg.ID != m.ID {
		t.Fatalf("the page holds %d messages, want the one with a deadline and the next", len(page))
	}
	b.h.advance(2 * time.Minute)
	b.s.apply(b.h.tick())
	if b.h.r.IsLive(m.ID) || b.s.msgs[m.Seq] != nil {
		t.Fatal("the message did not expire")
	}
	ds = b.s.apply(b.h.done(b.h.r.LoadBack(b.h.now, "cmd", "b", load.Msg.Seq, page, load.Attempt, true)))
	for _, a := range acts {
		if a.Kind == router.ActDeliver {
			ds = append(ds, a)
		}
	}
	got, _ := b.drain(append(ds, b.s.apply(b.h.setCredit(12, 1, 10))...))
	if slices.Contains(got, m.Seq) {
		t.Fatal("the expired message was delivered from a page read before its expiry")
	}
	if !slices.Contains(got, after.Seq) {
		t.Fatalf("group b got %v, not the message after the expired one (%d)", got, after.Seq)
	}
	if q := b.h.r.QueueLen("cmd"); q != 0 {
		t.Fatalf("QueueLen %d, want 0", q)
	}
}

// The ID of a send whose copy waits in a back, the message out of
// memory, stays a duplicate for the dedup window from its publish, as the
// ID of a send in a command's tail does.
func TestBackIDsStayDuplicatesForTheDedupWindowFromTheirPublish(t *testing.T) {
	const n = 3 * backWindow
	for _, wait := range []time.Duration{0, router.DefaultDedupWindow + time.Second} {
		b, ds := newBackRun(t, n)
		b.h.advance(wait) // before group a finishes the messages
		b.drain(ds)
		last := b.ids[n-1]
		if b.h.r.IsLive(last) {
			t.Fatal("the last message is still in memory")
		}
		_, err := b.h.r.Admit(b.h.now, 1, &router.Message{ID: last, Command: "cmd", From: "p"})
		if dup := errors.Is(err, router.ErrDuplicate); dup != (wait == 0) {
			t.Fatalf("published again %v after its publish: %v; want a duplicate only within the dedup window", wait, err)
		}
	}
}

// admitStored admits a new message of command cmd from producer p and
// stores it, without committing it.
func (s *pagedStore) admitStored(t *testing.T) *router.Message {
	t.Helper()
	m := s.h.msg("cmd", "p", false)
	s.admitStoredFrom(t, 1, m)
	return m
}

// backThenLateCommit leaves group b (durable, away) a back holding 5 and 7
// out of memory, 6 admitted before 7 and committed after it, when group a
// has no free credit: a tail starting at 6 would start inside b's back.
// It returns a's deliveries of 1..4, which it holds.
func backThenLateCommit(t *testing.T) (*harness, *pagedStore, []router.Action) {
	h := newHarness(t, router.Config{Window: backWindow, Lease: time.Hour})
	s := newPagedStore(h)
	h.subscribe(11, 1, "cmd", "b", 1)
	h.unsubscribe(11, 1)
	h.subscribe(10, 1, "cmd", "a", 10)
	var held []router.Action
	for range backWindow {
		held = append(held, s.publishStored(t, h.msg("cmd", "p", false))...)
	}
	d5 := s.publishStored(t, h.msg("cmd", "p", false))
	m6 := s.admitStored(t)
	d7 := s.publishStored(t, h.msg("cmd", "p", false))
	for _, d := range append(d5, d7...) {
		s.apply(h.answer(d, router.Reply, ""))
	}
	s.apply(h.setCredit(10, 1, backWindow)) // a holds 1..4: no free credit
	s.apply(h.done(h.r.Commit(h.now, m6)))
	return h, s, held
}

// A message committed late, into a back's range, stays in memory rather
// than start a tail inside the back: deleting the group of the back does
// not delete it from the store, and the other group gets it.
func TestBackLateCommitIntoABackDeleteGroup(t *testing.T) {
	h, s, held := backThenLateCommit(t)
	acts, _, err := h.r.DeleteGroup(h.now, "cmd", "b")
	if err != nil {
		t.Fatal(err)
	}
	s.apply(h.done(acts))
	got := drain(t, h, s, append(held, s.apply(h.setCredit(10, 1, 10))...))
	if want := []uint64{1, 2, 3, 4, 6}; !slices.Equal(got["a"], want) { // it finished 5 and 7 before
		t.Fatalf("group a got %v, want %v", got["a"], want)
	}
	if q := h.r.QueueLen("cmd"); q != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drain, want none", q, len(s.msgs))
	}
}

// The same late commit, then the group of the back comes back: both
// groups get every message once.
func TestBackLateCommitIntoABackDrain(t *testing.T) {
	h, s, held := backThenLateCommit(t)
	ds := append(held, s.apply(h.subscribe(12, 1, "cmd", "b", 10))...)
	got := drain(t, h, s, append(ds, s.apply(h.setCredit(10, 1, 10))...))
	want := map[string][]uint64{"a": {1, 2, 3, 4, 6}, "b": oneTo(7)} // a finished 5 and 7 before
	for g, w := range want {
		if seqs := slices.Sorted(slices.Values(got[g])); !slices.Equal(seqs, w) {
			t.Fatalf("group %s got %v, want %v once each", g, got[g], w)
		}
	}
	if q := h.r.QueueLen("cmd"); q != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drain, want none", q, len(s.msgs))
	}
}

// A back starts past every other copy of its group: with 5 committed
// before 4, group b queues 5 fresh, and 4 too, not in a back whose range
// would hold 5. Else a page of the back read while b holds 5, handed over
// after b finished it (its ack and attempt not yet stored, as the broker
// writes them lazily), would bring 5 again and, its count spent, lose 6.
func TestBackStartsPastTheGroupsOtherCopies(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4, Lease: time.Hour})
	s := newPagedStore(h)
	h.subscribe(11, 1, "cmd", "b", 1)
	h.unsubscribe(11, 1)
	h.subscribe(10, 1, "cmd", "a", 100)
	var ds []router.Action
	for range 3 {
		ds = append(ds, s.publishStored(t, h.msg("cmd", "p", false))...)
	}
	m4, m5 := s.admitStored(t), s.admitStored(t)
	ds = append(ds, s.apply(h.done(h.r.Commit(h.now, m5)))...)
	ds = append(ds, s.apply(h.done(h.r.Commit(h.now, m4)))...)
	m6 := h.msg("cmd", "p", false)
	ds = append(ds, s.publishStored(t, m6)...)
	drain(t, h, s, ds) // group a finishes 1..6; 4 and 6 leave memory
	acts := h.subscribe(12, 1, "cmd", "b", 10)
	load := one(t, acts, router.ActLoadBack)
	page := s.read(load.Msg.Seq, load.Attempt) // read now, handed over later
	var got []uint64
	var d5 router.Action
	for _, d := range deliveries(acts) {
		got = append(got, d.Msg.Seq)
		if d.Msg.Seq == m5.Seq {
			d5 = d
		} else {
			s.apply(h.answer(d, router.Reply, ""))
		}
	}
	s.apply(h.answer(d5, router.Reply, "")) // b finishes 5
	ds = s.apply(h.done(h.r.LoadBack(h.now, "cmd", "b", load.Msg.Seq, page, load.Attempt, true)))
	for g, v := range drain(t, h, s, ds) {
		if g == "b" {
			got = append(got, v...)
		}
	}
	if want := []uint64{1, 2, 3, 5, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("group b got %v, want %v; QueueLen %d, %d stored", got, want, h.r.QueueLen("cmd"), len(s.msgs))
	}
}

// A page handed back for another read than the one the group waits for
// (one asked for by a group of the same name, deleted since) is ignored:
// its shortness does not end the back.
func TestBackIgnoresAPageOfAnotherRead(t *testing.T) {
	const n = 50
	b, ds := newBackRun(t, n)
	b.drain(ds)
	acts := b.h.subscribe(12, 1, "cmd", "b", 1)
	load := one(t, acts, router.ActLoadBack)
	b.h.done(b.h.r.LoadBack(b.h.now, "cmd", "b", load.Msg.Seq+1000, nil, load.Attempt, true))
	if st := b.h.r.Stats(); st.Pending+st.InFlight != n {
		t.Fatalf("%d pending and %d in flight after a page of another read, want %d in all", st.Pending, st.InFlight, n)
	}
	page := b.s.read(load.Msg.Seq, load.Attempt)
	ds = b.s.apply(b.h.done(b.h.r.LoadBack(b.h.now, "cmd", "b", load.Msg.Seq, page, load.Attempt, true)))
	ds = append(ds, deliveries(acts)...)
	got, _ := b.drain(append(ds, b.s.apply(b.h.setCredit(12, 1, 10))...))
	if slices.Sort(got); !slices.Equal(got, oneTo(n)) {
		t.Fatalf("group b got %v, want 1..%d", got, n)
	}
}
