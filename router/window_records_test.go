package router_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// resultsFor returns the result codes s saw for message id, in order.
func (s *pagedStore) resultsFor(id router.ID) []router.ResultCode {
	var out []router.ResultCode
	for _, a := range s.results {
		if a.Msg.ID == id {
			out = append(out, a.Code)
		}
	}
	return out
}

// Requests and messages with a deadline past the window wait in the store
// like plain sends, in order with them: the router keeps none of them
// live, one whose deadline passes in the store times out then (its
// producer gets ResultTimeout at once, and it is deleted), and the others
// are delivered in Seq order, each request answered once.
func TestWindowPagesRequestsAndDeadlines(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	h.connect(1, "p")
	const n = 40
	var msgs []*router.Message
	for i := range n {
		m := h.msg("cmd", "p", i%2 == 0)
		if i%3 == 0 {
			m.Deadline = h.now.Add(time.Duration(1+i%2) * time.Minute) // every 6th: 1 minute
		}
		s.publishStored(t, m)
		msgs = append(msgs, m)
	}
	for _, m := range msgs[4:] {
		if h.r.IsLive(m.ID) {
			t.Fatalf("message %d past the window is held in memory", m.Seq)
		}
	}
	h.advance(time.Minute)
	s.apply(h.tick())
	var expired []uint64
	for _, m := range msgs {
		if codes := s.resultsFor(m.ID); m.Seq > 4 && m.Request && !m.Deadline.IsZero() && m.Deadline.Compare(h.now) <= 0 {
			if !slices.Equal(codes, []router.ResultCode{router.ResultTimeout}) {
				t.Fatalf("request %d expired in the store: results %v, want one ResultTimeout", m.Seq, codes)
			}
		}
		if m.Seq > 4 && !m.Deadline.IsZero() && m.Deadline.Compare(h.now) <= 0 {
			expired = append(expired, m.Seq)
			if _, ok := s.msgs[m.Seq]; ok {
				t.Fatalf("message %d expired in the store and was not deleted", m.Seq)
			}
		}
	}
	if len(expired) < 3 {
		t.Fatalf("only %v expired in the store", expired)
	}
	if got, want := h.r.QueueLen("cmd"), n-len(expired)-1; got != want { // seq 1 expired in memory
		t.Fatalf("QueueLen %d after the expiry, want %d", got, want)
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 3)))
	var want []uint64
	for _, m := range msgs {
		if m.Deadline.IsZero() || m.Deadline.After(h.now) {
			want = append(want, m.Seq)
		}
	}
	if !slices.Equal(got[router.DefaultGroup], want) {
		t.Fatalf("delivered %v, want %v", got[router.DefaultGroup], want)
	}
	for _, m := range msgs {
		if !m.Request {
			continue
		}
		codes := s.resultsFor(m.ID)
		if len(codes) != 1 {
			t.Fatalf("request %d got results %v, want one", m.Seq, codes)
		}
	}
	if len(s.msgs) != 0 || h.r.QueueLen("cmd") != 0 {
		t.Fatalf("%d left in the store, QueueLen %d", len(s.msgs), h.r.QueueLen("cmd"))
	}
}

// A request waiting in the store is cancelled there by its producer: it
// is deleted and never delivered, its producer gets no result, and a
// duplicate publish learns it was cancelled.
func TestWindowCancelsARequestInTheStore(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	h.connect(1, "p")
	var msgs []*router.Message
	for range 10 {
		m := h.msg("cmd", "p", true)
		s.publishStored(t, m)
		msgs = append(msgs, m)
	}
	victim := msgs[7]
	acts, err := h.r.Cancel(h.now, 1, victim.ID)
	if err != nil {
		t.Fatalf("Cancel of a request in the store: %v", err)
	}
	s.apply(h.done(acts))
	if _, ok := s.msgs[victim.Seq]; ok {
		t.Fatal("the cancelled request is still stored")
	}
	if got := h.r.QueueLen("cmd"); got != 9 {
		t.Fatalf("QueueLen %d after the cancel, want 9", got)
	}
	dup := &router.Message{ID: victim.ID, Command: "cmd", From: "p", Request: true}
	acts, err = h.r.Admit(h.now, 1, dup)
	if !errors.Is(err, router.ErrDuplicate) || one(t, acts, router.ActResult).Code != router.ResultCancelled {
		t.Fatalf("duplicate of the cancelled request: %v %s, want ErrDuplicate with ResultCancelled", err, describe(acts))
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)))
	if slices.Contains(got[router.DefaultGroup], victim.Seq) || len(got[router.DefaultGroup]) != 9 {
		t.Fatalf("delivered %v: want the 9 others, not %d", got[router.DefaultGroup], victim.Seq)
	}
	if codes := s.resultsFor(victim.ID); len(codes) != 0 {
		t.Fatalf("the cancelled request got results %v", codes)
	}
}

// Two producers may use the same message ID: their requests in the store
// are told apart by producer. Cancelling one leaves the other queued, a
// duplicate of its own producer's resend only, and delivered.
func TestWindowRequestsOfOneIDFromTwoProducers(t *testing.T) {
	h := newHarness(t, router.Config{Window: 2})
	s := newPagedStore(h)
	h.connect(1, "p")
	h.connect(2, "q")
	for range 4 {
		s.publishStored(t, h.msg("cmd", "p", true))
	}
	shared := h.id()
	mine := &router.Message{ID: shared, Command: "cmd", From: "p", Request: true, Data: []byte("p's")}
	theirs := &router.Message{ID: shared, Command: "cmd", From: "q", Request: true, Data: []byte("q's")}
	s.publishStoredFrom(t, 1, mine)
	s.publishStoredFrom(t, 2, theirs)
	if h.r.IsLive(shared) {
		t.Fatal("the requests past the window are held in memory")
	}
	acts, err := h.r.Cancel(h.now, 1, shared)
	if err != nil {
		t.Fatalf("Cancel of p's request in the store: %v", err)
	}
	s.apply(h.done(acts))
	if _, ok := s.msgs[mine.Seq]; ok {
		t.Fatal("p's cancelled request is still stored")
	}
	if _, ok := s.msgs[theirs.Seq]; !ok {
		t.Fatal("q's request went with p's cancel")
	}
	dup := &router.Message{ID: shared, Command: "cmd", From: "q", Request: true}
	if _, err := h.r.Admit(h.now, 2, dup); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("q's resend of its request in the store: %v, want ErrDuplicate", err)
	}
	again := &router.Message{ID: shared, Command: "cmd", From: "p", Request: true}
	acts, err = h.r.Admit(h.now, 1, again)
	if !errors.Is(err, router.ErrDuplicate) || one(t, acts, router.ActResult).Code != router.ResultCancelled {
		t.Fatalf("p's resend of its cancelled request: %v %s, want ErrDuplicate with ResultCancelled", err, describe(acts))
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)))
	if !slices.Contains(got[router.DefaultGroup], theirs.Seq) || slices.Contains(got[router.DefaultGroup], mine.Seq) || len(got[router.DefaultGroup]) != 5 {
		t.Fatalf("delivered %v: want the 4 first and q's %d, not p's %d", got[router.DefaultGroup], theirs.Seq, mine.Seq)
	}
}

// A request in the store stays a duplicate for as long as it waits there,
// past the dedup window: a producer resending it after a long outage does
// not queue it twice.
func TestWindowRequestInTheStoreStaysADuplicate(t *testing.T) {
	h := newHarness(t, router.Config{Window: 2, DedupWindow: time.Minute})
	s := newPagedStore(h)
	h.connect(1, "p")
	var last *router.Message
	for range 5 {
		last = h.msg("cmd", "p", true)
		s.publishStored(t, last)
	}
	h.advance(10 * time.Minute)
	s.apply(h.tick())
	dup := &router.Message{ID: last.ID, Command: "cmd", From: "p", Request: true}
	if _, err := h.r.Admit(h.now, 1, dup); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("resend of a request waiting in the store past the dedup window: %v, want ErrDuplicate", err)
	}
}

// Requests in the store whose ephemeral answer group goes away get
// ResultNoAnswerGroup then, as queued ones do; the durable group still
// gets them from the store, and their producers no second result.
func TestWindowAnswerGroupGoneWhileRequestsInTheStore(t *testing.T) {
	h := newHarness(t, router.Config{Window: 2})
	s := newPagedStore(h)
	h.connect(1, "p")
	h.subscribeEphemeral(10, 1, "cmd", "answers", 1)
	h.subscribe(11, 1, "cmd", "audit", 1)
	h.setCredit(10, 1, 1)
	var msgs []*router.Message
	var held []router.Action
	for range 8 {
		m := h.msg("cmd", "p", true)
		m.AnswerGroup = "answers"
		held = append(held, s.publishStored(t, m)...)
		msgs = append(msgs, m)
	}
	held = append(held, s.apply(h.unsubscribe(10, 1))...)
	for _, m := range msgs[4:] {
		if h.r.IsLive(m.ID) {
			t.Fatalf("request %d is in memory: the test wants it in the store", m.Seq)
		}
		if codes := s.resultsFor(m.ID); !slices.Equal(codes, []router.ResultCode{router.ResultNoAnswerGroup}) {
			t.Fatalf("request %d in the store: results %v when its answer group left, want ResultNoAnswerGroup", m.Seq, codes)
		}
	}
	var audit []router.Action
	for _, d := range held {
		if d.Group == "audit" {
			audit = append(audit, d)
		}
	}
	got := drain(t, h, s, audit)
	if len(got["audit"]) != len(msgs) {
		t.Fatalf("audit got %v, want all %d", got["audit"], len(msgs))
	}
	for _, m := range msgs {
		if codes := s.resultsFor(m.ID); len(codes) != 1 {
			t.Fatalf("request %d: results %v, want one", m.Seq, codes)
		}
	}
}

// A restart hands the router the requests and deadlines past the window
// as it does plain messages: counted in the tail with their records, not
// held; one whose deadline passed while the broker was down times out at
// the first tick.
func TestWindowRestoreKeepsRequestsInTheStore(t *testing.T) {
	h := newHarness(t, router.Config{Window: 4})
	s := newPagedStore(h)
	const n = 20
	var msgs []*router.Message
	for seq := uint64(1); seq <= n; seq++ {
		m := h.msg("cmd", "p", true)
		m.Seq = seq
		if seq == 10 {
			m.Deadline = h.now.Add(-time.Second)
		}
		s.msgs[seq] = m
		c := *m
		h.r.Restore(&c, nil, nil)
		msgs = append(msgs, m)
	}
	h.connect(1, "p")
	for _, m := range msgs[4:] {
		if h.r.IsLive(m.ID) {
			t.Fatalf("restored request %d past the window is held in memory", m.Seq)
		}
	}
	s.apply(h.tick())
	if codes := s.resultsFor(msgs[9].ID); !slices.Equal(codes, []router.ResultCode{router.ResultTimeout}) {
		t.Fatalf("request past its deadline: results %v, want ResultTimeout", codes)
	}
	got := drain(t, h, s, s.apply(h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)))
	if len(got[router.DefaultGroup]) != n-1 || slices.Contains(got[router.DefaultGroup], 10) {
		t.Fatalf("delivered %v, want all but 10", got[router.DefaultGroup])
	}
}
