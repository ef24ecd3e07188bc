package router_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// runFor ticks the router every second for d, as the broker's tick loop
// does when NextDeadline is due, and returns the actions.
func (h *harness) runFor(d time.Duration) []router.Action {
	h.t.Helper()
	var out []router.Action
	for end := h.now.Add(d); h.now.Before(end); {
		h.advance(time.Second)
		if next := h.r.NextDeadline(); !next.IsZero() && !next.After(h.now) {
			out = append(out, h.tick()...)
		}
	}
	return out
}

func TestIdleCommandsAreForgotten(t *testing.T) {
	const idle = time.Minute
	tests := []struct {
		name  string
		setup func(h *harness)
		keep  bool
	}{
		{"answered messages, consumer gone", func(h *harness) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			_, acts := h.send(1, "cmd", true)
			h.answer(one(h.t, acts, router.ActDeliver), router.Reply, "ok")
			h.disconnect(10)
		}, false},
		{"ephemeral group gone with its member", func(h *harness) {
			h.subscribeEphemeral(10, 1, "cmd", "watch", 1)
			h.disconnect(10)
		}, false},
		{"a subscriber keeps it", func(h *harness) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
		}, true},
		{"a waiting message keeps it", func(h *harness) {
			h.send(1, "cmd", false)
		}, true},
		{"a dead letter keeps it", func(h *harness) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			h.send(1, "cmd", false)
			h.disconnect(10) // MaxDeliveries 1
		}, true},
		{"a durable group keeps it until deleted", func(h *harness) {
			h.subscribe(10, 1, "cmd", "audit", 1)
			h.disconnect(10)
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{IdleTimeout: idle, MaxDeliveries: 1})
			h.connect(1, "producer")
			tc.setup(h)
			acts := h.runFor(idle)
			if _, ok := h.r.Command("cmd"); !ok {
				t.Fatalf("forgotten before IdleTimeout passed")
			}
			none(t, acts, router.ActGroupDelete)
			acts = h.runFor(idle / 2)
			_, known := h.r.Command("cmd")
			if known != tc.keep {
				t.Fatalf("known after 1.5 IdleTimeout: %v, want %v", known, tc.keep)
			}
			if tc.keep {
				none(t, acts, router.ActGroupDelete)
				return
			}
			if st := h.r.Stats(); st.Commands != 0 || st.Groups != 0 {
				t.Fatalf("stats after forgetting: %+v", st)
			}
			if tc.name == "answered messages, consumer gone" {
				// the default group was stored: its deletion is too
				if d := one(t, acts, router.ActGroupDelete); d.Msg.Command != "cmd" || d.Group != router.DefaultGroup {
					t.Fatalf("group delete %+v", d)
				}
			}
			// The command comes back with its next publish.
			h.subscribe(11, 1, "cmd", router.DefaultGroup, 1)
			if _, acts := h.send(1, "cmd", false); len(deliveries(acts)) != 1 {
				t.Fatal("publish to a forgotten command not delivered")
			}
		})
	}
}

// Use restarts the wait: a command used every 40s with a timeout of a
// minute is never forgotten, though it is idle between uses; once unused
// it goes.
func TestIdleWaitRestartsOnUse(t *testing.T) {
	h := newHarness(t, router.Config{IdleTimeout: time.Minute})
	for i := range 5 {
		conn := router.ConnID(10 + i)
		h.subscribe(conn, 1, "cmd", router.DefaultGroup, 1)
		_, acts := h.send(1, "cmd", false)
		h.answer(one(t, acts, router.ActDeliver), router.Reply, "")
		h.disconnect(conn)
		h.runFor(40 * time.Second)
		if _, ok := h.r.Command("cmd"); !ok {
			t.Fatalf("a command used %d times, 40s apart, was forgotten", i+1)
		}
	}
	h.runFor(90 * time.Second)
	if _, ok := h.r.Command("cmd"); ok {
		t.Fatal("unused command kept")
	}
	if next := h.r.NextDeadline(); !next.IsZero() {
		t.Fatalf("NextDeadline %v with nothing left to do", next.Sub(h.now))
	}
}

// A command forgotten as idle, or restored with no message but the Seqs
// its store used (RestoreSeq), continues its Seqs when it comes back: a
// Seq the store has finished would be stored apart from the queue's
// order, and a backlog there could not wait in the store.
func TestCommandSeqsContinue(t *testing.T) {
	const idle = time.Minute
	h := newHarness(t, router.Config{IdleTimeout: idle})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	for range 3 {
		_, acts := h.send(1, "cmd", false)
		h.answer(one(h.t, acts, router.ActDeliver), router.Reply, "ok")
	}
	h.disconnect(10)
	h.runFor(2 * idle)
	if _, ok := h.r.Command("cmd"); ok {
		t.Fatal("the idle command was not forgotten")
	}
	if m, _ := h.send(1, "cmd", false); m.Seq != 4 {
		t.Fatalf("Seq %d after the command was forgotten, want 4", m.Seq)
	}

	r := router.New(router.Config{})
	r.RestoreSeq("cmd", 40)
	r.RestoreSeq("other", 7)
	m := &router.Message{ID: router.ID{1}, Command: "cmd", From: "p"}
	if _, err := r.Admit(t0, 1, m); err != nil || m.Seq != 41 {
		t.Fatalf("Admit after RestoreSeq(40): Seq %d, %v; want 41", m.Seq, err)
	}
}
