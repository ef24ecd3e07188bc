package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func TestPurgeQueue(t *testing.T) {
	tests := []struct {
		name string
		// setup publishes and returns the requests the purge must answer
		// with ResultPurged and how many copies it must remove.
		setup         func(h *harness) (purged []router.ID, removed int)
		maxDeliveries int
		wantPending   int
		wantFlight    int
		wantDead      int
	}{
		{"waiting messages removed, requests told", func(h *harness) ([]router.ID, int) {
			a, _ := h.send(1, "cmd", true)
			b, _ := h.send(1, "cmd", true)
			h.send(1, "cmd", false)
			return []router.ID{a.ID, b.ID}, 3
		}, 5, 0, 0, 0},
		{"in flight left to finish", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			h.send(1, "cmd", true)
			m, _ := h.send(1, "cmd", true)
			return []router.ID{m.ID}, 1
		}, 5, 0, 1, 0},
		{"retry delay removed", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			m, acts := h.send(1, "cmd", true)
			h.answer(one(h.t, acts, router.ActDeliver), router.Retry, "busy")
			return []router.ID{m.ID}, 1
		}, 5, 0, 0, 0},
		{"redeliveries removed", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			m, _ := h.send(1, "cmd", true)
			h.disconnect(10) // requeued as a redelivery
			return []router.ID{m.ID}, 1
		}, 5, 0, 0, 0},
		{"dead letters stay", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			h.send(1, "cmd", true)
			h.disconnect(10) // MaxDeliveries 1: dead-lettered
			return nil, 0
		}, 1, 0, 0, 1},
		{"every group's copy counts", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", "g1", 1)
			h.unsubscribe(10, 1)
			h.subscribe(11, 1, "cmd", "g2", 1)
			h.unsubscribe(11, 1)
			// The request makes the default group, its answer group, too.
			m, _ := h.send(1, "cmd", true)
			return []router.ID{m.ID}, 3
		}, 5, 0, 0, 0},
		{"a request is told by its answer group's copy only", func(h *harness) ([]router.ID, int) {
			h.subscribe(10, 1, "cmd", "g1", 1)
			h.subscribe(11, 1, "cmd", "g2", 1)
			h.unsubscribe(11, 1)
			m, acts := h.send(1, "cmd", true)
			// g1's answer finishes its copy only; g2's and the default
			// group's wait, and the default group's purge tells the producer.
			h.answer(one(h.t, acts, router.ActDeliver), router.Reply, "done")
			return []router.ID{m.ID}, 2
		}, 5, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{MaxDeliveries: tc.maxDeliveries})
			h.connect(1, "producer")
			wantPurged, wantRemoved := tc.setup(h)
			acts, n, err := h.r.PurgeQueue(h.now, "cmd")
			acts = h.done(acts)
			if err != nil || n != wantRemoved {
				t.Fatalf("PurgeQueue = %d, %v; want %d removed", n, err, wantRemoved)
			}
			var told []router.ID
			for _, a := range only(acts, router.ActResult) {
				if a.Code != router.ResultPurged || a.Conn != 1 {
					t.Fatalf("producer got %+v, want ResultPurged", a)
				}
				told = append(told, a.Msg.ID)
			}
			if len(told) != len(wantPurged) {
				t.Fatalf("%d requests told they were purged, want %d", len(told), len(wantPurged))
			}
			for i := range told {
				if told[i] != wantPurged[i] {
					t.Fatalf("purged results %x, want %x", told, wantPurged)
				}
			}
			none(t, acts, router.ActDeliver)
			ci, _ := h.r.Command("cmd")
			if ci.Pending != tc.wantPending || ci.InFlight != tc.wantFlight || ci.DeadLetters != tc.wantDead {
				t.Fatalf("after purge: pending %d in flight %d dead %d; want %d %d %d",
					ci.Pending, ci.InFlight, ci.DeadLetters, tc.wantPending, tc.wantFlight, tc.wantDead)
			}
		})
	}
}

func TestPurgeQueueUnknownCommand(t *testing.T) {
	h := newHarness(t, router.Config{})
	if _, _, err := h.r.PurgeQueue(h.now, "nope"); !errors.Is(err, router.ErrUnknownCommand) {
		t.Fatalf("PurgeQueue(unknown) = %v, want ErrUnknownCommand", err)
	}
}

// A message in flight when its queue is purged finishes as usual: its
// answer reaches the producer, or it comes back and waits again.
func TestPurgeQueueLeavesInFlightToFinish(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)
	_, acts := h.send(1, "cmd", true)
	d1 := one(t, acts, router.ActDeliver)
	_, acts = h.send(1, "cmd", true)
	d2 := one(t, acts, router.ActDeliver)
	h.send(1, "cmd", true)
	acts, _, err := h.r.PurgeQueue(h.now, "cmd")
	if h.done(acts); err != nil {
		t.Fatal(err)
	}
	if res := one(t, h.answer(d1, router.Reply, "ok"), router.ActResult); res.Code != router.ResultOK {
		t.Fatalf("answer after purge: %+v", res)
	}
	h.answer(d2, router.Retry, "later")
	h.advance(time.Minute)
	if d := one(t, h.tick(), router.ActDeliver); d.Msg.ID != d2.Msg.ID || d.Attempt != 2 {
		t.Fatalf("retried message after the purge: %+v", d)
	}
}

func TestDeleteGroup(t *testing.T) {
	// An abandoned durable group holds the queue at its limit; deleting it
	// acks its copies and lets publishes in again.
	h := newHarness(t, router.Config{MaxQueueLen: 3, MaxDeliveries: 1})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	h.subscribe(11, 1, "audit", router.DefaultGroup, 1) // another command: untouched
	h.subscribe(12, 1, "cmd", "audit", 1)
	// The default group answers at once; the audit group's member takes
	// one message and leaves (MaxDeliveries 1: it dead-letters), the
	// other three wait in the audit group.
	for i := range 4 {
		_, acts := h.send(1, "cmd", true)
		if i == 0 {
			h.disconnect(12)
		}
		for _, d := range deliveries(acts) {
			if d.Conn != 10 {
				continue
			}
			if ack := one(t, h.answer(d, router.Reply, "ok"), router.ActAck); ack.Last {
				t.Fatal("Last ack while the audit group still needs the message")
			}
		}
	}
	if _, err := h.r.Admit(h.now, 1, h.msg("cmd", "producer", false)); !errors.Is(err, router.ErrQueueFull) {
		t.Fatalf("Admit with the audit group full: %v, want ErrQueueFull", err)
	}
	acts, n, err := h.r.DeleteGroup(h.now, "cmd", "audit")
	acts = h.done(acts)
	if err != nil || n != 4 {
		t.Fatalf("DeleteGroup = %d, %v; want 4 copies", n, err)
	}
	acks := only(acts, router.ActAck)
	if len(acks) != 4 || len(only(acts, router.ActDeadLetterDelete)) != 1 {
		t.Fatalf("DeleteGroup actions %s, want 4 acks and a dead-letter delete", describe(acts))
	}
	for _, a := range acks {
		if !a.Last || a.Group != "audit" {
			t.Fatalf("ack %+v, want the audit group's Last ack", a)
		}
	}
	none(t, acts, router.ActResult) // every request has its answer already
	if last := acts[len(acts)-1]; last.Kind != router.ActGroupDelete || last.Group != "audit" || last.Msg.Command != "cmd" {
		t.Fatalf("last action %s, want the group's deletion after its acks", describe(acts[len(acts)-1:]))
	}
	if g := h.r.Groups("cmd"); len(g) != 1 || g[0] != router.DefaultGroup {
		t.Fatalf("groups after delete %q", g)
	}
	if _, acts := h.send(1, "cmd", false); len(deliveries(acts)) != 1 {
		t.Fatal("publish after the delete not delivered")
	}
	if g := h.r.Groups("audit"); len(g) != 1 {
		t.Fatalf("the command named like the group lost its group: %q", g)
	}
}

func TestDeleteGroupErrors(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", "busy", 1)
	h.send(1, "cmd", false)
	tests := []struct {
		name, command, group string
		want                 error
	}{
		{"unknown command", "nope", "busy", router.ErrUnknownCommand},
		{"unknown group", "cmd", "nope", router.ErrUnknownGroup},
		{"group with subscribers", "cmd", "busy", router.ErrGroupInUse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acts, n, err := h.r.DeleteGroup(h.now, tc.command, tc.group)
			if !errors.Is(err, tc.want) || n != 0 || len(h.done(acts)) != 0 {
				t.Fatalf("DeleteGroup = %d, %v, %s; want %v and nothing done", n, err, describe(acts), tc.want)
			}
		})
	}
	if ci, _ := h.r.Command("cmd"); ci.InFlight != 1 || len(ci.Groups) != 1 {
		t.Fatalf("refused deletes changed the command: %+v", ci)
	}
}

// Deleting a request's answer group tells its producer.
func TestDeleteGroupTellsWaitingRequests(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", "only", 1)
	h.unsubscribe(10, 1)
	m := h.msg("cmd", "producer", true)
	m.AnswerGroup = "only"
	h.publish(1, m)
	acts, _, err := h.r.DeleteGroup(h.now, "cmd", "only")
	if err != nil {
		t.Fatal(err)
	}
	if res := one(t, h.done(acts), router.ActResult); res.Code != router.ResultPurged || res.Msg.ID != m.ID {
		t.Fatalf("producer got %+v, want ResultPurged", res)
	}
}

func TestPurgeDeadLetters(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", "g1", 10)
	h.subscribe(10, 2, "cmd", "g2", 10)
	h.send(1, "cmd", false)
	h.send(1, "cmd", false)
	h.disconnect(10) // two messages dead in two groups
	h.send(1, "cmd", false)
	acts, n, err := h.r.PurgeDeadLetters(h.now, "cmd")
	acts = h.done(acts)
	if err != nil || n != 4 {
		t.Fatalf("PurgeDeadLetters = %d, %v; want 4", n, err)
	}
	if len(only(acts, router.ActDeadLetterDelete)) != 4 {
		t.Fatalf("actions %s, want 4 dead-letter deletes", describe(acts))
	}
	last := 0
	for _, a := range only(acts, router.ActAck) {
		if a.Last {
			last++
		}
	}
	if last != 2 {
		t.Fatalf("%d Last acks, want 2 (both dead messages deleted)", last)
	}
	none(t, acts, router.ActResult)
	if ci, _ := h.r.Command("cmd"); ci.DeadLetters != 0 || ci.Pending != 2 {
		t.Fatalf("after purge: %+v; want no dead letter and the fresh message in both groups", ci)
	}
	if _, _, err := h.r.PurgeDeadLetters(h.now, "nope"); !errors.Is(err, router.ErrUnknownCommand) {
		t.Fatalf("unknown command: %v", err)
	}
}

func TestOldestDeadLetters(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", "g1", 10)
	h.subscribe(10, 2, "cmd", "g2", 10)
	var ms []*router.Message
	for range 5 {
		m, _ := h.send(1, "cmd", false)
		ms = append(ms, m)
	}
	h.disconnect(10) // 5 messages x 2 groups dead
	list, total := h.r.OldestDeadLetters("cmd", 3)
	if total != 10 || len(list) != 3 {
		t.Fatalf("OldestDeadLetters(3) = %d of %d, want 3 of 10", len(list), total)
	}
	want := []struct {
		m     *router.Message
		group string
	}{{ms[0], "g1"}, {ms[0], "g2"}, {ms[1], "g1"}}
	for i, w := range want {
		if list[i].Msg != w.m || list[i].Group != w.group || list[i].Attempts != 1 {
			t.Fatalf("entry %d: seq %d in %q, want seq %d in %q", i, list[i].Msg.Seq, list[i].Group, w.m.Seq, w.group)
		}
	}
	if all, total := h.r.OldestDeadLetters("cmd", 100); len(all) != 10 || total != 10 || all[9].Msg != ms[4] {
		t.Fatalf("OldestDeadLetters(100) = %d of %d", len(all), total)
	}
	if list, total := h.r.OldestDeadLetters("nope", 10); list != nil || total != 0 {
		t.Fatal("dead letters of an unknown command")
	}
}

func TestDeadLetterKeepsTheLastRetryReason(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 2, RetryDelay: time.Millisecond})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m, acts := h.send(1, "cmd", true)
	h.answer(one(t, acts, router.ActDeliver), router.Retry, "backend down")
	h.advance(time.Second)
	h.answer(one(t, h.tick(), router.ActDeliver), router.Retry, "backend still down")
	dl, ok := h.r.FindDeadLetter("cmd", m.ID)
	if !ok || dl.LastError != "backend still down" || dl.Attempts != 2 || dl.Msg != m {
		t.Fatalf("FindDeadLetter = %+v, %v; want the last reason and 2 attempts", dl, ok)
	}
	if _, ok := h.r.FindDeadLetter("other", m.ID); ok {
		t.Fatal("found under another command")
	}
	acts, _ = h.r.Replay(h.now, "cmd", nil)
	h.done(acts)
	if _, ok := h.r.FindDeadLetter("cmd", m.ID); ok {
		t.Fatal("found after replay")
	}
}
