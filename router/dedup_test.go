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

func TestDuplicateOfRequestAnsweredByOneOfTwoGroups(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", "a", 1)
	h.subscribe(11, 1, "cmd", "b", 1)
	m, acts := h.send(1, "cmd", true)
	h.answer(deliveries(acts)[0], router.Reply, "from a")
	acts, err := h.r.Admit(h.now, 3, again(m))
	if !errors.Is(err, router.ErrDuplicate) {
		t.Fatal(err)
	}
	if res := one(t, acts, router.ActResult); res.Conn != 3 || string(res.Data) != "from a" {
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
