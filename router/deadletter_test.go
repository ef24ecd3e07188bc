package router_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// Each case ends a delivery its own way until MaxDeliveries is reached.
func TestMaxDeliveriesDeadLetters(t *testing.T) {
	tests := []struct {
		name string
		end  func(h *harness, d router.Action) []router.Action
	}{
		{"lease expiry", func(h *harness, d router.Action) []router.Action {
			h.advance(time.Minute)
			return h.tick()
		}},
		{"retry", func(h *harness, d router.Action) []router.Action {
			acts := h.answer(d, router.Retry, "")
			h.advance(time.Minute)
			return append(acts, h.tick()...)
		}},
		{"disconnect", func(h *harness, d router.Action) []router.Action {
			acts := h.disconnect(d.Conn)
			return append(acts, h.subscribe(d.Conn+1, 1, "cmd", router.DefaultGroup, 1)...)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{MaxDeliveries: 3, Lease: time.Second, RetryDelay: time.Millisecond})
			h.connect(1, "producer")
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			m, acts := h.send(1, "cmd", true)
			d := one(t, acts, router.ActDeliver)
			for attempt := 1; attempt < 3; attempt++ {
				acts = tc.end(h, d)
				none(t, acts, router.ActDeadLetter)
				d = one(t, acts, router.ActDeliver)
				if d.Attempt != attempt+1 {
					t.Fatalf("attempt %d, want %d", d.Attempt, attempt+1)
				}
			}
			acts = tc.end(h, d)
			none(t, acts, router.ActDeliver)
			none(t, acts, router.ActAck)
			dl := one(t, acts, router.ActDeadLetter)
			if dl.Msg != m || dl.Group != router.DefaultGroup || dl.Attempt != 3 {
				t.Fatalf("dead letter %+v", dl)
			}
			if res := one(t, acts, router.ActResult); res.Code != router.ResultDeadLetter || res.Conn != 1 {
				t.Fatalf("producer got %+v", res)
			}
			list := h.r.DeadLetters("cmd")
			if len(list) != 1 || list[0].Msg != m || list[0].Attempts != 3 {
				t.Fatalf("DeadLetters = %+v", list)
			}
			if n := h.r.QueueLen("cmd"); n != 0 {
				t.Fatalf("QueueLen = %d with only a dead letter", n)
			}
			if st := h.r.Stats(); st.DeadLetters != 1 || st.Messages != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1, Lease: time.Second})
	h.connect(1, "producer")
	var ids []router.ID
	for range 3 {
		m, _ := h.send(1, "cmd", true)
		ids = append(ids, m.ID)
	}
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 3)
	if len(deliveries(acts)) != 3 {
		t.Fatal("not all delivered")
	}
	h.disconnect(10)
	if len(h.r.DeadLetters("cmd")) != 3 {
		t.Fatalf("dead letters: %d", len(h.r.DeadLetters("cmd")))
	}
	h.send(1, "cmd", false) // a fresh message: replayed ones go before it

	acts, n := h.r.Replay(h.now, "cmd", []router.ID{ids[2], h.id()})
	acts = h.done(acts)
	if n != 1 || len(only(acts, router.ActDeadLetterDelete)) != 1 {
		t.Fatalf("Replay of one id moved %d: %s", n, describe(acts))
	}
	if a := one(t, acts, router.ActAttempt); a.Attempt != 0 || a.Msg.ID != ids[2] {
		t.Fatalf("attempt reset %+v", a)
	}
	acts, n = h.r.Replay(h.now, "cmd", nil)
	if acts = h.done(acts); n != 2 || len(only(acts, router.ActDeadLetterDelete)) != 2 {
		t.Fatalf("Replay all moved %d: %s", n, describe(acts))
	}
	if len(h.r.DeadLetters("cmd")) != 0 {
		t.Fatal("dead letters left after replay")
	}
	acts = h.subscribe(11, 1, "cmd", router.DefaultGroup, 1)
	var order []router.ID
	for range 4 {
		d := one(t, acts, router.ActDeliver)
		if d.Attempt != 1 {
			t.Fatalf("replayed message delivered as attempt %d", d.Attempt)
		}
		order = append(order, d.Msg.ID)
		acts = h.answer(d, router.Reply, "")
		none(t, acts, router.ActResult) // the producer already got ResultDeadLetter
	}
	if order[0] != ids[0] || order[1] != ids[1] || order[2] != ids[2] {
		t.Fatal("replayed messages did not go first in Seq order")
	}
	if _, n := h.r.Replay(h.now, "nope", nil); n != 0 {
		t.Fatal("Replay of an unknown command moved messages")
	}
}
