package router_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// recorder is an Observer that writes down each event.
type recorder struct{ events []string }

func (r *recorder) Delivered(cmd, group string, attempt int, queued time.Duration) {
	r.events = append(r.events, fmt.Sprintf("delivered %s@%s #%d queued %v", cmd, group, attempt, queued))
}

func (r *recorder) Answered(cmd, group string, kind router.AnswerKind, held time.Duration) {
	r.events = append(r.events, fmt.Sprintf("answered %s@%s kind %d held %v", cmd, group, kind, held))
}

func (r *recorder) Expired(cmd, group string) {
	r.events = append(r.events, fmt.Sprintf("expired %s@%s", cmd, group))
}

func (r *recorder) DeadLettered(cmd, group string) {
	r.events = append(r.events, fmt.Sprintf("dead %s@%s", cmd, group))
}

// take returns the events so far and forgets them.
func (r *recorder) take() []string {
	ev := r.events
	r.events = nil
	return ev
}

func TestObserverSeesEachEventOnce(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, router.Config{Observer: rec, Lease: 10 * time.Second, MaxDeliveries: 2, RetryDelay: time.Second})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(11, 1, "cmd", "audit", 1)
	check := func(step string, want ...string) {
		t.Helper()
		got := rec.take()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: events\n%q\nwant\n%q", step, got, want)
		}
	}

	// Published while both members are busy: queued 2 s before delivery.
	_, acts := h.send(1, "cmd", true)
	first := deliveries(acts)
	if len(first) != 2 {
		t.Fatalf("deliveries %s", describe(acts))
	}
	check("first publish", "delivered cmd@ #1 queued 0s", "delivered cmd@audit #1 queued 0s")
	h.advance(time.Second)
	_, acts = h.send(1, "cmd", true)
	none(t, acts, router.ActDeliver)
	check("second publish, members busy")
	h.advance(2 * time.Second)
	acts = h.answer(first[0], router.Reply, "ok")
	acts = append(acts, h.answer(first[1], router.Retry, "")...)
	check("answers",
		"answered cmd@ kind 0 held 3s", "answered cmd@audit kind 2 held 3s",
		"delivered cmd@ #1 queued 2s", "delivered cmd@audit #1 queued 2s")
	second := deliveries(acts)

	// The audit copy of the first message is ready again after its retry
	// delay, and waits for the audit member to answer the second one.
	h.advance(time.Second)
	h.tick()
	check("retry delay over, member busy")
	h.answer(second[0], router.Fail, "no")
	h.answer(second[1], router.Reply, "ok")
	check("answers of the second message",
		"answered cmd@ kind 1 held 1s", "answered cmd@audit kind 0 held 1s",
		"delivered cmd@audit #2 queued 4s")

	// Its lease ends: the copy has had its two deliveries and goes dead.
	h.advance(10 * time.Second)
	h.tick()
	check("lease over", "dead cmd@audit")

	// A message whose deadline passes while queued (the durable groups
	// stay without members) expires in each group.
	h.unsubscribe(10, 1)
	h.unsubscribe(11, 1)
	m := h.msg("cmd", "producer", false)
	m.Deadline = h.now.Add(time.Second)
	h.publish(1, m)
	h.advance(time.Second)
	h.tick()
	check("deadline", "expired cmd@", "expired cmd@audit")
}

func TestEachGroupCountsEveryGroup(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1})
	h.connect(1, "producer")
	h.subscribe(10, 1, "a", router.DefaultGroup, 1)
	h.subscribe(11, 1, "a", router.DefaultGroup, 1)
	h.subscribeEphemeral(12, 1, "a", "tmp", 1)
	var delivered []router.Action
	for range 4 {
		_, acts := h.send(1, "a", false)
		delivered = append(delivered, deliveries(acts)...)
	}
	h.send(1, "b", false) // no subscriber: the default group holds it
	// One delivery of the ephemeral group is retried: with MaxDeliveries 1
	// it is dead-lettered.
	for _, d := range delivered {
		if d.Group == "tmp" {
			h.answer(d, router.Retry, "")
			break
		}
	}
	got := map[string]router.GroupStats{}
	h.r.EachGroup(func(s *router.GroupStats) { got[s.Command+"@"+s.Group] = *s })
	want := map[string]router.GroupStats{
		"a@":    {Command: "a", Group: "", Durable: true, Subscribers: 2, Pending: 2, InFlight: 2},
		"a@tmp": {Command: "a", Group: "tmp", Durable: false, Subscribers: 1, Pending: 2, InFlight: 1, DeadLetters: 1},
		"b@":    {Command: "b", Group: "", Durable: true, Pending: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
}
