package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// TestCancel follows a cancelled request from wherever its copy is: the
// producer never gets a result, a waiting copy is acked at once, a copy
// held by a consumer is announced to it and finished by its answer, and
// nothing is delivered afterwards.
func TestCancel(t *testing.T) {
	type step func(h *harness, m *router.Message, d router.Action) []router.Action
	answer := func(kind router.AnswerKind) step {
		return func(h *harness, _ *router.Message, d router.Action) []router.Action {
			return h.answer(d, kind, "late")
		}
	}
	tests := []struct {
		name string
		// consumer subscribes before the publish, so that it holds the copy.
		consumer bool
		// before runs between the publish and the cancel.
		before step
		// held: the consumer holds the copy when the producer cancels.
		held bool
		// after runs after the cancel.
		after step
		// acked: the message is finished (acked, Last) in the end.
		acked bool
	}{
		{"waiting in the queue", false, nil, false, nil, true},
		{"waiting for a retry", true, answer(router.Retry), false, nil, true},
		{"held, answered late", true, nil, true, answer(router.Reply), true},
		{"held, answered with an error", true, nil, true, answer(router.Fail), true},
		{"held, handler asks for a retry", true, nil, true, answer(router.Retry), true},
		{"held, consumer goes away", true, nil, true, func(h *harness, _ *router.Message, d router.Action) []router.Action {
			return h.disconnect(d.Conn)
		}, true},
		{"held, lease ends", true, nil, true, func(h *harness, _ *router.Message, _ router.Action) []router.Action {
			h.advance(router.DefaultLease)
			return h.tick()
		}, true},
		{"held, not answered yet", true, nil, true, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			h.connect(1, "producer")
			h.connect(10, "consumer")
			if tc.consumer {
				h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			}
			m := h.msg("cmd", "producer", true)
			var d router.Action
			if acts := deliveries(h.publish(1, m)); len(acts) == 1 {
				d = acts[0]
			}
			if tc.before != nil {
				tc.before(h, m, d)
			}
			acts, err := h.r.Cancel(h.now, 1, m.ID)
			if err != nil {
				t.Fatalf("Cancel: %v", err)
			}
			acts = h.done(acts)
			if tc.held {
				c := one(t, acts, router.ActCancel)
				if c.Conn != 10 || c.SubID != 1 || c.Msg != m || c.Attempt != d.Attempt {
					t.Fatalf("cancel %+v, want to conn 10 sub 1 attempt %d", c, d.Attempt)
				}
				none(t, acts, router.ActAck)
			} else {
				none(t, acts, router.ActCancel)
			}
			if tc.after != nil {
				acts = append(acts, tc.after(h, m, d)...)
			}
			none(t, acts, router.ActResult)
			none(t, acts, router.ActMailbox)
			none(t, acts, router.ActDeliver)
			if !tc.acked {
				none(t, acts, router.ActAck)
				if n := h.r.QueueLen("cmd"); n != 1 {
					t.Fatalf("QueueLen = %d while the consumer holds it, want 1", n)
				}
				return
			}
			if ack := one(t, acts, router.ActAck); !ack.Last || !ack.Answered || ack.Code != router.ResultCancelled {
				t.Fatalf("ack %+v, want the last one, with the cancelled result", ack)
			}
			if n := h.r.QueueLen("cmd"); n != 0 {
				t.Fatalf("QueueLen = %d, want 0", n)
			}
			// A consumer that comes later gets nothing.
			none(t, h.subscribe(11, 1, "cmd", router.DefaultGroup, 1), router.ActDeliver)
		})
	}
}

// TestCancelRefused: only the producer's address cancels its live message.
func TestCancelRefused(t *testing.T) {
	tests := []struct {
		name   string
		conn   router.ConnID
		id     func(m *router.Message) router.ID
		finish bool // the message was answered before the cancel
	}{
		{"another producer", 2, func(m *router.Message) router.ID { return m.ID }, false},
		{"unknown connection", 99, func(m *router.Message) router.ID { return m.ID }, false},
		{"unknown id", 1, func(*router.Message) router.ID { return router.ID{0xff} }, false},
		{"already answered", 1, func(m *router.Message) router.ID { return m.ID }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			h.connect(1, "producer")
			h.connect(2, "intruder")
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			m := h.msg("cmd", "producer", true)
			d := one(t, h.publish(1, m), router.ActDeliver)
			if tc.finish {
				one(t, h.answer(d, router.Reply, "ok"), router.ActResult)
			}
			acts, err := h.r.Cancel(h.now, tc.conn, tc.id(m))
			if !errors.Is(err, router.ErrUnknownID) {
				t.Fatalf("Cancel: %v, want ErrUnknownID", err)
			}
			if len(h.done(acts)) != 0 {
				t.Fatalf("refused Cancel acted: %s", describe(acts))
			}
			if !tc.finish {
				if res := one(t, h.answer(d, router.Reply, "ok"), router.ActResult); res.Code != router.ResultOK {
					t.Fatalf("result %+v: the message was disturbed", res)
				}
			}
		})
	}
}

func TestCancelTwiceTellsTheConsumerOnce(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "producer", true)
	h.publish(1, m)
	acts, err := h.r.Cancel(h.now, 1, m.ID)
	one(t, h.done(acts), router.ActCancel)
	if err != nil {
		t.Fatal(err)
	}
	acts, err = h.r.Cancel(h.now, 1, m.ID)
	if err != nil || len(h.done(acts)) != 0 {
		t.Fatalf("second Cancel = %s, %v; want nothing", describe(acts), err)
	}
}

// A cancel that arrives while the message is being stored takes effect
// when it is committed: no consumer ever gets it.
func TestCancelBeforeCommit(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "producer", true)
	if _, err := h.r.Admit(h.now, 1, m); err != nil {
		t.Fatal(err)
	}
	acts, err := h.r.Cancel(h.now, 1, m.ID)
	if err != nil || len(h.done(acts)) != 0 {
		t.Fatalf("Cancel before commit = %s, %v; want nothing yet", describe(acts), err)
	}
	acts = h.done(h.r.Commit(h.now, m))
	none(t, acts, router.ActDeliver)
	none(t, acts, router.ActResult)
	if ack := one(t, acts, router.ActAck); !ack.Last || ack.Code != router.ResultCancelled {
		t.Fatalf("ack %+v", ack)
	}
}

// Each group's copy goes: the waiting one is acked, the held one announced.
func TestCancelInEveryGroup(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(11, 1, "cmd", "audit", 1)
	h.setCredit(11, 1, 0) // audit's copy waits
	m := h.msg("cmd", "producer", true)
	d := one(t, h.publish(1, m), router.ActDeliver)
	acts, err := h.r.Cancel(h.now, 1, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	acts = h.done(acts)
	if c := one(t, acts, router.ActCancel); c.Conn != 10 || c.Group != router.DefaultGroup {
		t.Fatalf("cancel %+v, want to the default group's holder", c)
	}
	if ack := one(t, acts, router.ActAck); ack.Group != "audit" || ack.Last {
		t.Fatalf("ack %+v, want audit's copy, not the last", ack)
	}
	none(t, h.setCredit(11, 1, 1), router.ActDeliver)
	if ack := one(t, h.answer(d, router.Reply, "late"), router.ActAck); !ack.Last {
		t.Fatalf("ack %+v, want the last", ack)
	}
}

// A send (no answer awaited) can be withdrawn too; it has no result.
func TestCancelSend(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	m, _ := h.send(1, "cmd", false)
	acts, err := h.r.Cancel(h.now, 1, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ack := one(t, h.done(acts), router.ActAck); !ack.Last || ack.Answered {
		t.Fatalf("ack %+v, want the last, without a result", ack)
	}
}

// The producer may go away after cancelling: a late answer does not wait
// for it in the mailbox. A duplicate of the request learns it was
// cancelled.
func TestCancelledRequestLeavesNoMailAndStaysCancelled(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "producer", true)
	d := one(t, h.publish(1, m), router.ActDeliver)
	if _, err := h.r.Cancel(h.now, 1, m.ID); err != nil {
		t.Fatal(err)
	}
	h.disconnect(1)
	acts := h.answer(d, router.Reply, "late")
	none(t, acts, router.ActMailbox)
	none(t, acts, router.ActResult)

	h.advance(time.Second)
	h.connect(2, "producer")
	again := &router.Message{ID: m.ID, Command: "cmd", From: "producer", Request: true}
	acts, err := h.r.Admit(h.now, 2, again)
	if !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("Admit of the same ID: %v, want ErrDuplicate", err)
	}
	if res := one(t, h.done(acts), router.ActResult); res.Code != router.ResultCancelled || res.Conn != 2 {
		t.Fatalf("result %+v, want cancelled", res)
	}
}
