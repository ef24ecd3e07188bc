package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// again returns a copy of m as a producer's retry sends it: same ID.
func again(m *router.Message) *router.Message {
	c := *m
	c.Seq = 0
	return &c
}

func TestDuplicateWhilePending(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	m, _ := h.send(1, "cmd", true)
	acts, err := h.r.Admit(h.now, 2, again(m))
	if !errors.Is(err, router.ErrDuplicate) || len(acts) != 0 {
		t.Fatalf("Admit of a pending id: %v %s", err, describe(acts))
	}
	acts = h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	if len(deliveries(acts)) != 1 {
		t.Fatal("duplicate was queued")
	}
	res := one(t, h.answer(deliveries(acts)[0], router.Reply, "v1"), router.ActResult)
	if res.Conn != 1 || string(res.Data) != "v1" {
		t.Fatalf("result %+v", res)
	}
}

func TestDuplicateOfAnsweredRequestGetsSameResult(t *testing.T) {
	h := newHarness(t, router.Config{DedupWindow: time.Minute})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m, acts := h.send(1, "cmd", true)
	h.answer(one(t, acts, router.ActDeliver), router.Reply, "answer")

	h.advance(59 * time.Second)
	h.tick()
	acts, err := h.r.Admit(h.now, 2, again(m))
	if !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("Admit within the window: %v", err)
	}
	res := one(t, acts, router.ActResult)
	if res.Conn != 2 || res.Code != router.ResultOK || string(res.Data) != "answer" || res.Msg.ID != m.ID {
		t.Fatalf("re-sent result %+v", res)
	}
	if st := h.r.Stats(); st.Dedup != 1 || st.Messages != 0 {
		t.Fatalf("stats %+v", st)
	}

	h.advance(time.Second)
	h.tick()
	if st := h.r.Stats(); st.Dedup != 0 {
		t.Fatalf("dedup entry outlived its window: %+v", st)
	}
	if d := one(t, h.publish(2, again(m)), router.ActDeliver); d.Msg.ID != m.ID {
		t.Fatal("id not accepted again after the window")
	}
}

func TestDuplicateAfterWindowWithoutTick(t *testing.T) {
	h := newHarness(t, router.Config{DedupWindow: time.Minute})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m, acts := h.send(1, "cmd", false)
	h.answer(one(t, acts, router.ActDeliver), router.Reply, "")
	if _, err := h.r.Admit(h.now, 1, again(m)); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("Admit of an answered send: %v", err)
	}
	h.advance(time.Minute)
	if _, err := h.r.Admit(h.now, 1, again(m)); err != nil {
		t.Fatalf("Admit after the window: %v", err)
	}
}

func TestDuplicateOfRequestGetsTheAnswerGroupsResult(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(11, 1, "cmd", "audit", 1)
	m, acts := h.send(1, "cmd", true)
	ds := deliveries(acts)
	h.answer(ds[1], router.Reply, "from audit")
	acts, err := h.r.Admit(h.now, 3, again(m))
	if !errors.Is(err, router.ErrDuplicate) || len(acts) != 0 {
		t.Fatalf("retry before the answer group answered: %v %s", err, describe(acts))
	}
	h.answer(ds[0], router.Reply, "from default")
	acts, err = h.r.Admit(h.now, 3, again(m))
	if !errors.Is(err, router.ErrDuplicate) {
		t.Fatal(err)
	}
	if res := one(t, acts, router.ActResult); res.Conn != 3 || string(res.Data) != "from default" {
		t.Fatalf("result %+v", res)
	}
}

// TestDedupBoundedByCount checks that past MaxDedup finished IDs the oldest
// are forgotten first, within their window, while the newest still count
// as duplicates.
func TestDedupBoundedByCount(t *testing.T) {
	h := newHarness(t, router.Config{DedupWindow: time.Hour, MaxDedup: 3})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	var sent []*router.Message
	for range 5 {
		m, acts := h.send(1, "cmd", false)
		h.answer(one(t, acts, router.ActDeliver), router.Reply, "")
		sent = append(sent, m)
		h.advance(time.Second)
	}
	if st := h.r.Stats(); st.Dedup != 3 {
		t.Fatalf("%d IDs remembered, want MaxDedup (3)", st.Dedup)
	}
	for i, m := range sent {
		_, err := h.r.Admit(h.now, 1, again(m))
		if i < 2 && err != nil {
			t.Errorf("message %d, among the oldest past the bound: Admit %v, want it taken as new", i, err)
		}
		if i >= 2 && !errors.Is(err, router.ErrDuplicate) {
			t.Errorf("message %d, among the newest 3: Admit %v, want ErrDuplicate", i, err)
		}
	}
}

// TestDedupIsPerProducer checks that a message ID is unique per producer:
// the producer's retry is a duplicate that gets its own result, while
// another producer reusing the ID gets its own message handled, or a
// refusal while the first one's message is still queued, and never the
// first one's result.
func TestDedupIsPerProducer(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		request  bool
		answered bool // the first message is answered before the reuse
		wantErr  error
	}{
		{"same producer after the answer", "alice", true, true, router.ErrDuplicate},
		{"same producer while queued", "alice", true, false, router.ErrDuplicate},
		{"other producer after the answer", "mallory", true, true, nil},
		{"other producer's send after the answer", "mallory", false, true, nil},
		{"other producer while queued", "mallory", true, false, router.ErrIDInUse},
		{"other producer's send while queued", "mallory", false, false, router.ErrIDInUse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			h.connect(1, "alice")
			h.connect(2, "mallory")
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			first := h.msg("cmd", "alice", true)
			d := one(t, h.publish(1, first), router.ActDeliver)
			if tc.answered {
				h.answer(d, router.Reply, "alice's secret")
			}
			conn := map[string]router.ConnID{"alice": 1, "mallory": 2}[tc.from]
			reuse := &router.Message{ID: first.ID, Command: "other", From: tc.from, Request: tc.request, Data: []byte("mine")}
			acts, err := h.r.Admit(h.now, conn, reuse)
			acts = h.done(acts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Admit: %v, want %v", err, tc.wantErr)
			}
			for _, a := range only(acts, router.ActResult) {
				if tc.from != "alice" || a.Conn != conn {
					t.Fatalf("%s got result %+v", tc.from, a)
				}
			}
			if tc.from == "alice" && tc.answered && one(t, acts, router.ActResult).Data == nil {
				t.Fatal("retry got no result")
			}
			if err != nil {
				if !tc.answered { // the first message is untouched
					if res := one(t, h.answer(d, router.Reply, "to alice"), router.ActResult); res.Conn != 1 {
						t.Fatalf("result %+v", res)
					}
				}
				return
			}
			h.done(h.r.Commit(h.now, reuse))
			d2 := one(t, h.subscribe(20, 1, "other", router.DefaultGroup, 1), router.ActDeliver)
			if d2.Msg != reuse {
				t.Fatalf("delivered %+v, want the reused ID's own message", d2.Msg)
			}
			acts = h.answer(d2, router.Reply, "mallory's own")
			if tc.request {
				if res := one(t, acts, router.ActResult); res.Conn != 2 || string(res.Data) != "mallory's own" {
					t.Fatalf("result %+v", res)
				}
			}
			// both producers' windows hold the ID, each with its own result
			for _, p := range []struct {
				conn router.ConnID
				from string
				want string
			}{{1, "alice", "alice's secret"}, {2, "mallory", "mallory's own"}} {
				acts, err := h.r.Admit(h.now, p.conn, &router.Message{ID: first.ID, Command: "cmd", From: p.from, Request: true})
				if !errors.Is(err, router.ErrDuplicate) {
					t.Fatalf("%s's retry: %v", p.from, err)
				}
				res := only(acts, router.ActResult)
				if p.from == "mallory" && !tc.request {
					if len(res) != 0 {
						t.Fatalf("a send's retry got %s", describe(acts))
					}
					continue
				}
				if len(res) != 1 || string(res[0].Data) != p.want || res[0].Conn != p.conn {
					t.Fatalf("%s's retry got %s", p.from, describe(acts))
				}
			}
		})
	}
}

// TestOwnRetryWhileAnotherProducerReusesID checks that a producer's retry
// still gets its own cached result while another producer's message with
// the same ID is queued.
func TestOwnRetryWhileAnotherProducerReusesID(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "alice")
	h.connect(2, "mallory")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	first := h.msg("cmd", "alice", true)
	h.answer(one(t, h.publish(1, first), router.ActDeliver), router.Reply, "alice's")
	reuse := &router.Message{ID: first.ID, Command: "cmd", From: "mallory", Request: true}
	h.publish(2, reuse) // queued: delivered to the idle consumer

	acts, err := h.r.Admit(h.now, 1, again(first))
	if !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("alice's retry: %v", err)
	}
	if res := one(t, acts, router.ActResult); res.Conn != 1 || string(res.Data) != "alice's" {
		t.Fatalf("alice's retry got %+v", res)
	}
	if _, err := h.r.Admit(h.now, 2, again(reuse)); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("mallory's retry of her queued message: %v", err)
	}
}
