package router_test

import (
	"math"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func TestLeaseExpiryRequeues(t *testing.T) {
	h := newHarness(t, router.Config{Lease: 10 * time.Second})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	first := one(t, acts, router.ActDeliver)
	if next := h.r.NextDeadline(); !next.Equal(h.now.Add(10 * time.Second)) {
		t.Fatalf("NextDeadline %v, want the lease end", next.Sub(h.now))
	}
	h.advance(10*time.Second - 1)
	none(t, h.tick(), router.ActDeliver)
	h.advance(1)
	d := one(t, h.tick(), router.ActDeliver) // the slot was freed: same consumer again
	if d.Conn != 10 || d.Msg != first.Msg || d.Attempt != 2 {
		t.Fatalf("redelivery %+v", d)
	}
}

func TestTouchExtendsLease(t *testing.T) {
	tests := []struct {
		name  string
		touch time.Duration
		want  time.Duration // lease end after the touch, from the touch
	}{
		{"explicit", 25 * time.Second, 25 * time.Second},
		{"zero means the configured lease", 0, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{Lease: 10 * time.Second})
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			_, acts := h.send(1, "cmd", false)
			d := one(t, acts, router.ActDeliver)
			h.advance(8 * time.Second)
			if err := h.r.Touch(h.now, d.Conn, d.Msg.ID, d.Attempt, tc.touch); err != nil {
				t.Fatal(err)
			}
			end := h.now.Add(tc.want)
			if next := h.r.NextDeadline(); !next.Equal(end) {
				t.Fatalf("NextDeadline %v after touch, want %v", next.Sub(h.now), tc.want)
			}
			h.now = end.Add(-1)
			none(t, h.tick(), router.ActDeliver)
			h.now = end
			if d2 := one(t, h.tick(), router.ActDeliver); d2.Attempt != 2 {
				t.Fatalf("attempt %d", d2.Attempt)
			}
		})
	}
}

func TestDisconnectRequeuesToAnotherConsumer(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 5)
	var held []router.Action
	for range 3 {
		_, acts := h.send(1, "cmd", true)
		held = append(held, one(t, acts, router.ActDeliver))
	}
	h.subscribe(11, 1, "cmd", router.DefaultGroup, 5)
	acts := h.disconnect(10)
	ds := deliveries(acts)
	if len(ds) != 3 {
		t.Fatalf("%d redelivered on disconnect, want 3", len(ds))
	}
	for i, d := range ds {
		if d.Conn != 11 || d.Attempt != 2 || d.Msg != held[i].Msg {
			t.Fatalf("redelivery %d: %+v", i, d)
		}
	}
	if _, err := h.r.Answer(h.now, 10, held[0].Msg.ID, 1, router.Reply, nil); err == nil {
		t.Fatal("a disconnected consumer's answer was accepted")
	}
	if st := h.r.Stats(); st.Subscribers != 1 || st.InFlight != 3 {
		t.Fatalf("stats after disconnect: %+v", st)
	}
}

func TestUnsubscribeRequeues(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(10, 2, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	acts = h.unsubscribe(10, d.SubID)
	d2 := one(t, acts, router.ActDeliver)
	if d2.SubID == d.SubID || d2.Attempt != 2 {
		t.Fatalf("after unsubscribe: %+v", d2)
	}
}

func TestTouchWithHugeDurationDoesNotOverflow(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	if err := h.r.Touch(h.now, d.Conn, d.Msg.ID, d.Attempt, time.Duration(math.MaxInt64)); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Hour)
	none(t, h.tick(), router.ActDeliver)
}
