package router_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func TestExpiredMessageIsNeverDelivered(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		wait    time.Duration
		tick    bool
		request bool
	}{
		{"expires while queued, dropped by Tick", time.Second, time.Second, true, true},
		{"expires while queued, dropped at dispatch", time.Second, 2 * time.Second, false, true},
		{"already expired at publish", -time.Second, 0, false, true},
		{"send expires without a result", time.Second, time.Second, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			h.connect(1, "producer")
			m := h.msg("cmd", "producer", tc.request)
			m.Deadline = h.now.Add(tc.ttl)
			acts := h.publish(1, m)
			if tc.ttl > 0 {
				if next := h.r.NextDeadline(); !next.Equal(m.Deadline) {
					t.Fatalf("NextDeadline %v, want the deadline", next)
				}
			}
			h.advance(tc.wait)
			if tc.tick {
				acts = append(acts, h.tick()...)
			}
			acts = append(acts, h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)...)
			none(t, acts, router.ActDeliver)
			if ack := one(t, acts, router.ActAck); !ack.Last || ack.Msg != m {
				t.Fatalf("ack %+v", ack)
			}
			if !tc.request {
				none(t, acts, router.ActResult)
				return
			}
			if res := one(t, acts, router.ActResult); res.Code != router.ResultTimeout || res.Conn != 1 {
				t.Fatalf("result %+v", res)
			}
			if n := h.r.QueueLen("cmd"); n != 0 {
				t.Fatalf("QueueLen = %d", n)
			}
		})
	}
}

func TestDeadlineWhileInFlight(t *testing.T) {
	h := newHarness(t, router.Config{Lease: 10 * time.Second})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "producer", true)
	m.Deadline = h.now.Add(5 * time.Second)
	d := one(t, h.publish(1, m), router.ActDeliver)
	h.advance(5 * time.Second)
	acts := h.tick() // the producer stops waiting at its deadline
	if res := one(t, acts, router.ActResult); res.Code != router.ResultTimeout {
		t.Fatalf("result %+v", res)
	}
	none(t, acts, router.ActAck) // the consumer still holds it
	h.advance(5 * time.Second)
	acts = h.tick() // lease over: dropped, not redelivered
	none(t, acts, router.ActDeliver)
	none(t, acts, router.ActResult)
	if ack := one(t, acts, router.ActAck); !ack.Last {
		t.Fatalf("ack %+v", ack)
	}
	if _, err := h.r.Answer(h.now, d.Conn, m.ID, d.Attempt, router.Reply, nil); err == nil {
		t.Fatal("answer after the drop accepted")
	}
}

func TestLateReplyAfterDeadlineSendsNoSecondResult(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "producer", true)
	m.Deadline = h.now.Add(time.Second)
	d := one(t, h.publish(1, m), router.ActDeliver)
	h.advance(time.Second)
	one(t, h.tick(), router.ActResult)
	acts := h.answer(d, router.Reply, "late")
	none(t, acts, router.ActResult)
	if ack := one(t, acts, router.ActAck); !ack.Last || ack.Code != router.ResultTimeout {
		t.Fatalf("ack %+v, want the timeout kept as the result", ack)
	}
}

func TestManyExpiriesAreDroppedByTick(t *testing.T) {
	h := newHarness(t, router.Config{})
	keep, _ := h.send(1, "cmd", false) // at the head: expired ones behind it are compacted away
	for i := range 500 {
		m := h.msg("cmd", "producer", false)
		m.Deadline = h.now.Add(time.Duration(i%7+1) * time.Second)
		h.publish(1, m)
	}
	h.advance(7 * time.Second)
	if acks := only(h.tick(), router.ActAck); len(acks) != 500 {
		t.Fatalf("%d dropped, want 500", len(acks))
	}
	if d := one(t, h.subscribe(10, 1, "cmd", router.DefaultGroup, 10), router.ActDeliver); d.Msg != keep {
		t.Fatal("the message without deadline was not delivered")
	}
}
