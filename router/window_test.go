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

// pagedStore stands for the broker's store under a router with windows:
// it holds every committed message until its Last ack, and serves ActLoad
// from them in Seq order.
type pagedStore struct {
	h         *harness
	command   string                     // the one command, once admitStoredFrom stored a message
	msgs      map[uint64]*router.Message // by Seq, of the command
	acked     map[uint64][]string        // groups done with a message
	tries     map[uint64]map[string]int  // deliveries of a message by group, from before a restore
	loads     int
	backLoads int // ActLoadBack served
	fetches   int
	// results holds the results routed to producers (ActResult and
	// ActMailbox), in order.
	results []router.Action
}

func newPagedStore(h *harness) *pagedStore {
	return &pagedStore{h: h, msgs: make(map[uint64]*router.Message), acked: make(map[uint64][]string)}
}

// apply records the acks in acts and serves every ActLoad and ActFetch
// (and those their Load and Fill bring), returning the deliveries of them
// all.
func (s *pagedStore) apply(acts []router.Action) []router.Action {
	var out []router.Action
	for len(acts) > 0 {
		var next []router.Action
		for _, a := range acts {
			switch a.Kind {
			case router.ActDeliver:
				out = append(out, a)
			case router.ActResult, router.ActMailbox:
				s.results = append(s.results, a)
			case router.ActAck:
				if s.command != "" && a.Msg.Command != s.command {
					continue // another command's, not stored here
				}
				s.acked[a.Msg.Seq] = append(s.acked[a.Msg.Seq], a.Group)
				if a.Last {
					delete(s.msgs, a.Msg.Seq)
				}
			case router.ActPurge:
				for seq := range s.msgs {
					if _, kept := slices.BinarySearch(a.Purge.Keep, seq); seq >= a.Purge.From && seq <= a.Purge.To && !kept {
						delete(s.msgs, seq)
					}
				}
			case router.ActLoad:
				s.loads++
				page := s.read(a.Msg.Seq, a.Attempt)
				next = append(next, s.h.done(s.h.r.Load(s.h.now, a.Msg.Command, page, a.Attempt, true))...)
			case router.ActLoadBack:
				s.backLoads++
				page := s.read(a.Msg.Seq, a.Attempt)
				next = append(next, s.h.done(s.h.r.LoadBack(s.h.now, a.Msg.Command, a.Group, a.Msg.Seq, page, a.Attempt, true))...)
			case router.ActFetch:
				s.fetches++
				var ps []router.Payload
				for _, st := range s.read(a.Msg.Seq, a.Attempt) {
					ps = append(ps, router.Payload{ID: st.Msg.ID, Seq: st.Msg.Seq, Data: st.Msg.Data})
				}
				next = append(next, s.h.done(s.h.r.Fill(s.h.now, a.Msg.Command, ps))...)
			}
		}
		acts = next
	}
	return out
}

func (s *pagedStore) read(from uint64, limit int) []router.Stored {
	var keys []uint64
	for seq := range s.msgs {
		if seq >= from {
			keys = append(keys, seq)
		}
	}
	slices.Sort(keys)
	var page []router.Stored
	for _, seq := range keys[:min(limit, len(keys))] {
		m := *s.msgs[seq]
		page = append(page, router.Stored{Msg: &m, AckedBy: slices.Clone(s.acked[seq]), Attempts: s.tries[seq]})
	}
	return page
}

// drain answers every delivery (and those the answers bring) until none
// is left, and returns the Seqs each group got, in order.
func drain(t *testing.T, h *harness, s *pagedStore, ds []router.Action) map[string][]uint64 {
	t.Helper()
	got := make(map[string][]uint64)
	for i := 0; len(ds) > 0; i++ {
		if i > 100_000 {
			t.Fatal("no end to the deliveries")
		}
		d := ds[0]
		ds = ds[1:]
		got[d.Group] = append(got[d.Group], d.Msg.Seq)
		ds = append(ds, s.apply(h.answer(d, router.Reply, ""))...)
	}
	return got
}

// With a window of 4, a backlog of 40 messages in two groups goes to the
// store past the window and comes back in pages: each group gets every
// message once, in order, and QueueLen counts the messages in the store.
func TestWindowPagesTheBacklog(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	h.subscribe(10, 1, "cmd", "a", 1)
	h.subscribe(11, 1, "cmd", "b", 1)
	const n = 40
	var ds []router.Action
	for range n {
		m := h.msg("cmd", "p", false)
		acts, err := h.r.Admit(h.now, 1, m)
		if err != nil {
			t.Fatal(err)
		}
		h.done(acts)
		s.msgs[m.Seq] = m // stored before the commit, as the broker does
		ds = append(ds, s.apply(h.done(h.r.Commit(h.now, m)))...)
	}
	if got := h.r.QueueLen("cmd"); got != n {
		t.Fatalf("QueueLen %d with a paged backlog, want %d", got, n)
	}
	ds = append(ds, s.apply(h.setCredit(10, 1, 2))...)
	ds = append(ds, s.apply(h.setCredit(11, 1, 3))...)
	got := drain(t, h, s, ds)
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	for _, g := range []string{"a", "b"} {
		if !slices.Equal(got[g], want) {
			t.Fatalf("group %s got %v, want %v", g, got[g], want)
		}
	}
	if s.loads < n/4-1 {
		t.Fatalf("%d loads, want the backlog read in pages of at most the window (4)", s.loads)
	}
	if got := h.r.QueueLen("cmd"); got != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drain, want none", got, len(s.msgs))
	}
}

// A group that drains a backlog holds about a window of messages in
// memory, not a window and a page: a page is read when its queue is a
// quarter of the window short of it, and tops it up to the window or
// takes half of it.
func TestWindowBoundsTheMessagesInMemory(t *testing.T) {
	const window, credit, n = 16, 4, 400
	h := newHarness(t, router.Config{Window: window})
	s := newPagedStore(h)
	h.subscribe(10, 1, "cmd", "a", 1)
	var ds []router.Action
	ids := make([]router.ID, 0, n)
	for range n {
		m := h.msg("cmd", "p", false)
		ds = append(ds, s.publishStored(t, m)...)
		ids = append(ids, m.ID)
	}
	live := func() int {
		k := 0
		for _, id := range ids {
			if h.r.IsLive(id) {
				k++
			}
		}
		return k
	}
	ds = append(ds, s.apply(h.setCredit(10, 1, credit))...)
	most, got := 0, 0
	for i := 0; len(ds) > 0; i++ {
		if i > 10*n {
			t.Fatal("no end to the deliveries")
		}
		most = max(most, live())
		d := ds[0]
		ds = append(ds[1:], s.apply(h.answer(d, router.Reply, ""))...)
		got++
	}
	if got != n {
		t.Fatalf("%d deliveries, want %d", got, n)
	}
	if s.loads < n/window/2 {
		t.Fatalf("%d loads, want the backlog read in pages", s.loads)
	}
	if limit := window + window/4 + credit; most > limit {
		t.Fatalf("%d messages in memory at most while the group drained, want at most 1.25 windows and the credit (%d)", most, limit)
	}
}

// A restart with a backlog 100 times the window places the window and
// counts the rest; a subscriber then gets every message once, in order.
func TestWindowRestoreDeliversTheBacklogInOrder(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	const n = 400
	for seq := uint64(1); seq <= n; seq++ {
		m := h.msg("cmd", "p", false)
		m.Seq = seq
		s.msgs[seq] = m
		c := *m
		h.r.Restore(&c, nil, nil)
	}
	if got := h.r.QueueLen("cmd"); got != n {
		t.Fatalf("QueueLen %d after the restore, want %d", got, n)
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)))
	for i, seq := range got[router.DefaultGroup] {
		if seq != uint64(i+1) {
			t.Fatalf("delivery %d is seq %d, want %d (got %v)", i, seq, i+1, got)
		}
	}
	if len(got[router.DefaultGroup]) != n || len(s.msgs) != 0 {
		t.Fatalf("delivered %d of %d, %d left in the store", len(got[router.DefaultGroup]), n, len(s.msgs))
	}
}

// A restart with a backlog past the window in two groups, of which one
// had finished the first half and held a message of the second in
// flight, counts that message in the tail too: the other group gets the
// backlog in order, and the first gets the message again when its reads
// reach it, then the rest.
func TestWindowRestoreKeepsAttemptedMessagesInOrder(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	s.tries = make(map[uint64]map[string]int)
	const n, held = 40, 25
	h.r.RestoreGroup("cmd", "a", router.GroupStart{})
	h.r.RestoreGroup("cmd", "b", router.GroupStart{})
	for seq := uint64(1); seq <= n; seq++ {
		m := h.msg("cmd", "p", false)
		m.Seq = seq
		s.msgs[seq] = m
		if seq < held {
			s.acked[seq] = []string{"a"}
		} else if seq == held {
			s.tries[seq] = map[string]int{"a": 1}
		}
		c := *m
		h.r.Restore(&c, slices.Clone(s.acked[seq]), s.tries[seq])
	}
	if got := h.r.QueueLen("cmd"); got != n {
		t.Fatalf("QueueLen %d after the restore, want %d", got, n)
	}
	want := func(from uint64) []uint64 {
		var out []uint64
		for seq := from; seq <= n; seq++ {
			out = append(out, seq)
		}
		return out
	}
	if got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", "b", 2)))["b"]; !slices.Equal(got, want(1)) {
		t.Fatalf("group b got %v, want %v", got, want(1))
	}
	ds := s.apply(h.subscribe(11, 2, "cmd", "a", 2))
	if len(ds) == 0 || ds[0].Msg.Seq != held || ds[0].Attempt != 2 {
		t.Fatalf("group a's first delivery %s, want seq %d, attempt 2", describe(ds), held)
	}
	if got := drain(t, h, s, ds)["a"]; !slices.Equal(got, want(held)) {
		t.Fatalf("group a got %v, want %v", got, want(held))
	}
	if got := h.r.QueueLen("cmd"); got != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after the drains, want none", got, len(s.msgs))
	}
}

// publishStored admits m, stores it and commits it, as the broker does,
// serving the loads of the commit; it returns the deliveries.
func (s *pagedStore) publishStored(t *testing.T, m *router.Message) []router.Action {
	t.Helper()
	return s.publishStoredFrom(t, 1, m)
}

// publishStoredFrom is publishStored from connection conn.
func (s *pagedStore) publishStoredFrom(t *testing.T, conn router.ConnID, m *router.Message) []router.Action {
	t.Helper()
	s.admitStoredFrom(t, conn, m)
	return s.apply(s.h.done(s.h.r.Commit(s.h.now, m)))
}

// admitStoredFrom admits m from connection conn and stores it, without
// committing it.
func (s *pagedStore) admitStoredFrom(t *testing.T, conn router.ConnID, m *router.Message) {
	t.Helper()
	acts, err := s.h.r.Admit(s.h.now, conn, m)
	if err != nil {
		t.Fatal(err)
	}
	s.h.done(acts)
	stored := *m // the router may page m.Data out; the store keeps it
	s.msgs[m.Seq] = &stored
	s.command = m.Command
}

// Purging a queue with a paged backlog counts and deletes the messages in
// the store too: none comes back, and the queue works on after.
func TestWindowPurgeDeletesTheBacklog(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	for range 20 {
		s.publishStored(t, h.msg("cmd", "p", false))
	}
	acts, n, err := h.r.PurgeQueue(h.now, "cmd")
	if err != nil || n != 20 {
		t.Fatalf("PurgeQueue: %d copies, %v; want 20", n, err)
	}
	if got := h.r.QueueLen("cmd"); got != 0 {
		t.Fatalf("QueueLen %d after the purge, want 0", got)
	}
	s.apply(h.done(acts))
	if len(s.msgs) != 0 {
		t.Fatalf("%d messages left in the store after the purge", len(s.msgs))
	}
	m := h.msg("cmd", "p", false)
	s.publishStored(t, m)
	ds := s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 5))
	if got := seqs(ds); !slices.Equal(got, []uint64{m.Seq}) {
		t.Fatalf("delivered %v after the purge, want only the new message %d", got, m.Seq)
	}
}

// Deleting the only group of a paged backlog deletes the messages in the
// store that it alone was to get.
func TestWindowDeleteGroupDeletesItsBacklog(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	h.subscribe(10, 1, "cmd", "g", 1)
	h.unsubscribe(10, 1)
	for range 12 {
		s.publishStored(t, h.msg("cmd", "p", false))
	}
	acts, n, err := h.r.DeleteGroup(h.now, "cmd", "g")
	if err != nil || n != 12 {
		t.Fatalf("DeleteGroup: %d copies, %v; want 12", n, err)
	}
	s.apply(h.done(acts))
	if got := h.r.QueueLen("cmd"); got != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d, %d stored after the delete, want none", got, len(s.msgs))
	}
}

// A message past the window is still in the dedup window: its producer's
// retry is refused as a duplicate, and admits nothing.
func TestWindowKeepsDedupOfPagedMessages(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	var last *router.Message
	for range 10 {
		last = h.msg("cmd", "p", false)
		s.publishStored(t, last)
	}
	retry := &router.Message{ID: last.ID, Command: "cmd", From: "p", Data: []byte("again")}
	if _, err := h.r.Admit(h.now, 1, retry); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("Admit of a paged message's ID: %v, want ErrDuplicate", err)
	}
	if got := h.r.QueueLen("cmd"); got != 10 {
		t.Fatalf("QueueLen %d after the refused retry, want 10", got)
	}
}

// A restore that hands the messages past the window as counts only
// (RestoreTail) delivers them all, in order, read back with ActLoad.
func TestWindowRestoreTailDeliversInOrder(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	const n = 100
	for seq := uint64(1); seq <= n; seq++ {
		m := h.msg("cmd", "p", false)
		m.Seq = seq
		s.msgs[seq] = m
		if seq <= 4 {
			c := *m
			h.r.Restore(&c, nil, nil)
		} else {
			h.r.RestoreTail("cmd", seq, len(m.Data))
		}
	}
	if got, st := h.r.QueueLen("cmd"), h.r.Stats(); got != n || st.Pending != n || st.Messages != n {
		t.Fatalf("QueueLen %d, %+v after the restore, want %d pending", got, st, n)
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 3)))
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	if !slices.Equal(got[router.DefaultGroup], want) || len(s.msgs) != 0 {
		t.Fatalf("delivered %v, %d left in the store; want 1..%d, none", got, len(s.msgs), n)
	}
}

// A message of the backlog whose ID a finished copy also holds in the
// dedup window (a producer's resend stored twice across a restart) is
// delivered when its page is read; while it is live, only it stands for
// the ID, and once it is finished the window holds the ID once.
func TestWindowTailMessageAlsoFinished(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	const n = 10
	for seq := uint64(1); seq <= n; seq++ {
		m := h.msg("cmd", "p", false)
		m.Seq = seq
		s.msgs[seq] = m
		if seq <= 4 {
			c := *m
			h.r.Restore(&c, nil, nil)
		} else {
			h.r.RestoreTail("cmd", seq, len(m.Data))
		}
	}
	h.r.RestoreDedup(s.msgs[7].ID, "p", 0, "", nil, false, h.now.Add(time.Hour))
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 3)))
	if len(got[router.DefaultGroup]) != n {
		t.Fatalf("delivered %v, want 1..%d", got[router.DefaultGroup], n)
	}
	if st := h.r.Stats(); st.Dedup != n {
		t.Fatalf("%d IDs in the dedup window after the drain, want %d", st.Dedup, n)
	}
}

// A durable group whose consumer is gone does not keep in memory the
// payloads that another group's pages bring back from the store: once the
// command holds half of ResidentBytes, a payload that only waiting copies
// still need goes back to the store as the other group finishes it. A
// consumer that comes back gets every message, in order and whole.
func TestWindowOfflineGroupLeavesPayloadsInTheStore(t *testing.T) {
	const n, size, resident = 400, 100, 1000
	h := newHarness(t, router.Config{Window: 4, ResidentBytes: resident})
	s := newPagedStore(h)
	h.subscribe(11, 1, "cmd", "b", 1)
	h.unsubscribe(11, 1) // group b stays, with no consumer
	h.subscribe(10, 1, "cmd", "a", 1)
	data := make(map[uint64][]byte)
	var ds []router.Action
	for i := range n {
		m := h.msg("cmd", "p", false)
		payload := fmt.Appendf(nil, "%0*d", size, i)
		m.Data = payload
		ds = append(ds, s.publishStored(t, m)...) // gives m its Seq
		data[m.Seq] = payload
	}
	drainWhole := func(ds []router.Action) (got []uint64, most int64) {
		t.Helper()
		for i := 0; len(ds) > 0; i++ {
			if i > 10*n {
				t.Fatal("no end to the deliveries")
			}
			d := ds[0]
			ds = ds[1:]
			if !bytes.Equal(d.Msg.Data, data[d.Msg.Seq]) {
				t.Fatalf("group %s: message %d delivered with %q, want %q", d.Group, d.Msg.Seq, d.Msg.Data, data[d.Msg.Seq])
			}
			got = append(got, d.Msg.Seq)
			ds = append(ds, s.apply(h.answer(d, router.Reply, ""))...)
			most = max(most, h.r.ResidentBytes("cmd"))
		}
		return got, most
	}
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	got, most := drainWhole(append(ds, s.apply(h.setCredit(10, 1, 2))...))
	if !slices.Equal(got, want) {
		t.Fatalf("group a got %d messages (%v...), want 1..%d", len(got), got[:min(len(got), 5)], n)
	}
	if most > resident {
		t.Fatalf("%d payload bytes in memory while group a drained, want at most ResidentBytes (%d)", most, resident)
	}
	got, _ = drainWhole(s.apply(h.subscribe(12, 1, "cmd", "b", 3)))
	if !slices.Equal(got, want) {
		t.Fatalf("group b got %d messages (%v...), want 1..%d", len(got), got[:min(len(got), 5)], n)
	}
	if s.fetches == 0 {
		t.Fatal("group b's payloads were never read back from the store")
	}
	if got := h.r.QueueLen("cmd"); got != 0 || len(s.msgs) != 0 {
		t.Fatalf("QueueLen %d and %d stored after both drains, want none", got, len(s.msgs))
	}
}

// The IDs of sends that go to the store past the window stay duplicates
// for the dedup window, also those that go while the clock steps back (an
// out-of-order expiry), until a purge finishes them: they stay duplicates
// for a dedup window from the purge, and then are forgotten. Stats count
// them as finished only once purged.
func TestWindowIDsOfTheTailAcrossAClockStepAndAPurge(t *testing.T) {
	h := newHarness(t, router.Config{Window: 2, DedupWindow: time.Minute})
	s := newPagedStore(h)
	h.connect(1, "p")
	var msgs []*router.Message
	for i := range 8 {
		if i == 5 {
			h.advance(-10 * time.Second) // the clock steps back
		}
		m := h.msg("cmd", "p", false)
		s.publishStored(t, m)
		msgs = append(msgs, m)
	}
	if got := h.r.Stats().Dedup; got != 0 {
		t.Fatalf("Stats().Dedup %d with every message queued, want 0", got)
	}
	for _, m := range msgs[2:] {
		if h.r.IsLive(m.ID) {
			t.Fatalf("message %d past the window is held in memory", m.Seq)
		}
		dup := &router.Message{ID: m.ID, Command: "cmd", From: "p"}
		if _, err := h.r.Admit(h.now, 1, dup); !errors.Is(err, router.ErrDuplicate) {
			t.Fatalf("resend of message %d in the store: %v, want ErrDuplicate", m.Seq, err)
		}
	}
	h.advance(50 * time.Second) // within a minute of each publish
	acts, n, err := h.r.PurgeQueue(h.now, "cmd")
	if err != nil || n != len(msgs) {
		t.Fatalf("PurgeQueue: %d copies, %v; want %d", n, err, len(msgs))
	}
	s.apply(h.done(acts))
	if got := h.r.Stats().Dedup; got != len(msgs) {
		t.Fatalf("Stats().Dedup %d after the purge, want %d", got, len(msgs))
	}
	h.advance(50 * time.Second) // past a minute from each publish, not from the purge
	s.apply(h.tick())
	for _, m := range msgs {
		dup := &router.Message{ID: m.ID, Command: "cmd", From: "p"}
		if _, err := h.r.Admit(h.now, 1, dup); !errors.Is(err, router.ErrDuplicate) {
			t.Fatalf("resend of purged message %d within a minute of the purge: %v, want ErrDuplicate", m.Seq, err)
		}
	}
	h.advance(time.Minute)
	s.apply(h.tick())
	if got := h.r.Stats().Dedup; got != 0 {
		t.Fatalf("Stats().Dedup %d a minute after the purge, want 0", got)
	}
}
