package router_test

import (
	"math"
	"testing"

	"github.com/teonet-go/teomq/router"
)

func TestCreditIsNeverExceeded(t *testing.T) {
	tests := []struct {
		name     string
		credit   int
		publish  int
		wantNow  int
		wantNext int // after one answer
	}{
		{"credit 1", 1, 5, 1, 1},
		{"credit 3", 3, 5, 3, 1},
		{"credit above backlog", 10, 5, 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			for range tc.publish {
				h.send(1, "cmd", false)
			}
			ds := deliveries(h.subscribe(10, 1, "cmd", router.DefaultGroup, tc.credit))
			if len(ds) != tc.wantNow {
				t.Fatalf("%d delivered at once, want %d", len(ds), tc.wantNow)
			}
			if n := len(deliveries(h.answer(ds[0], router.Reply, ""))); n != tc.wantNext {
				t.Fatalf("%d delivered after an answer, want %d", n, tc.wantNext)
			}
		})
	}
}

func TestLeastOutstandingFirst(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	for range 3 {
		h.send(1, "cmd", false) // all three go to conn 10
	}
	h.subscribe(11, 1, "cmd", router.DefaultGroup, 10)
	var to []router.ConnID
	for range 5 {
		_, acts := h.send(1, "cmd", false)
		to = append(to, one(t, acts, router.ActDeliver).Conn)
	}
	// conn 11 holds 0 and conn 10 holds 3: 11 gets three, then they alternate
	want := []router.ConnID{11, 11, 11, 10, 11}
	for i := range want {
		if to[i] != want[i] {
			t.Fatalf("deliveries went to %v, want %v", to, want)
		}
	}
}

func TestTiesGoRoundRobin(t *testing.T) {
	h := newHarness(t, router.Config{})
	for c := range 3 {
		h.subscribe(router.ConnID(10+c), 1, "cmd", router.DefaultGroup, 1)
	}
	seen := make(map[router.ConnID]int)
	for range 6 {
		_, acts := h.send(1, "cmd", false)
		d := one(t, acts, router.ActDeliver)
		seen[d.Conn]++
		h.answer(d, router.Reply, "") // everyone is idle again
	}
	for c := range 3 {
		if seen[router.ConnID(10+c)] != 2 {
			t.Fatalf("idle consumers shared 6 messages as %v, want 2 each", seen)
		}
	}
}

func TestSetCredit(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	for range 4 {
		h.send(1, "cmd", false)
	}
	acts := h.setCredit(10, 1, 0) // drain: nothing new
	none(t, acts, router.ActDeliver)
	if n := h.r.QueueLen("cmd"); n != 4 {
		t.Fatalf("QueueLen = %d", n)
	}
	if ds := deliveries(h.setCredit(10, 1, 3)); len(ds) != 2 {
		t.Fatalf("raising credit 0 -> 3 with 1 in flight delivered %d, want 2", len(ds))
	}
	if _, err := h.r.SetCredit(h.now, 10, 1, -1); err == nil {
		t.Fatal("negative credit accepted")
	}
	if _, err := h.r.SetCredit(h.now, 10, 7, 1); err == nil {
		t.Fatal("credit of an unknown subscription accepted")
	}
}

func TestDeliveryCarriesSubscription(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 42, "cmd", "g", 1)
	m, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	if d.Conn != 10 || d.SubID != 42 || d.Group != "g" || d.Attempt != 1 || d.Msg != m {
		t.Fatalf("delivery %+v", d)
	}
	if a := one(t, acts, router.ActAttempt); a.Attempt != 1 || a.Group != "g" || a.Msg != m {
		t.Fatalf("attempt %+v", a)
	}
}

func TestHugeCreditIsClamped(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, math.MaxInt)
	h.subscribe(11, 1, "cmd", router.DefaultGroup, math.MaxInt) // the sum must not overflow
	if _, credit, _ := h.r.SubLoad(10, 1); credit != router.MaxCredit {
		t.Fatalf("credit %d, want MaxCredit", credit)
	}
	for range 4 {
		_, acts := h.send(1, "cmd", false)
		one(t, acts, router.ActDeliver)
	}
}
