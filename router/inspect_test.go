package router_test

import (
	"testing"

	"github.com/teonet-go/teomq/router"
)

func TestCommandsDescribesQueuesGroupsAndConsumers(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1})
	h.connect(1, "producer")
	h.connect(10, "consumer-a")
	h.connect(11, "consumer-b")
	h.subscribe(10, 7, "jobs", router.DefaultGroup, 2)
	h.subscribeEphemeral(11, 1, "jobs", "watch", 5)
	h.subscribe(11, 2, "jobs", "audit", 1)
	h.unsubscribe(11, 2) // an abandoned durable group
	var ds []router.Action
	for range 3 {
		_, acts := h.send(1, "jobs", true)
		ds = append(ds, deliveries(acts)...)
	}
	h.send(1, "b-first", false)
	for _, d := range ds {
		if d.Conn == 10 {
			h.answer(d, router.Reply, "ok")
			break
		}
	}

	cmds := h.r.Commands()
	if len(cmds) != 2 || cmds[0].Name != "b-first" || cmds[1].Name != "jobs" {
		t.Fatalf("Commands = %+v, want b-first and jobs by name", cmds)
	}
	jobs := cmds[1]
	// default: 1 answered, 2 delivered (credit 2), 0 waiting; watch: 3 in
	// flight; audit: 3 waiting.
	if jobs.Messages != 3 || jobs.Pending != 3 || jobs.InFlight != 5 || jobs.DeadLetters != 0 {
		t.Fatalf("jobs: messages %d pending %d in flight %d dead %d", jobs.Messages, jobs.Pending, jobs.InFlight, jobs.DeadLetters)
	}
	if jobs.Published != 3 || jobs.Delivered != 6 || jobs.Answered != 1 || jobs.Subscribers() != 2 {
		t.Fatalf("jobs counters: published %d delivered %d answered %d subscribers %d",
			jobs.Published, jobs.Delivered, jobs.Answered, jobs.Subscribers())
	}
	want := []router.GroupInfo{
		{Name: router.DefaultGroup, InFlight: 2, Consumers: []router.ConsumerInfo{{Conn: 10, Address: "consumer-a", SubID: 7, Credit: 2, Outstanding: 2}}},
		{Name: "watch", Ephemeral: true, InFlight: 3, Consumers: []router.ConsumerInfo{{Conn: 11, Address: "consumer-b", SubID: 1, Credit: 5, Outstanding: 3}}},
		{Name: "audit", Pending: 3, Consumers: []router.ConsumerInfo{}},
	}
	if len(jobs.Groups) != len(want) {
		t.Fatalf("groups %+v", jobs.Groups)
	}
	for i, w := range want {
		g := jobs.Groups[i]
		if g.Name != w.Name || g.Ephemeral != w.Ephemeral || g.Pending != w.Pending || g.InFlight != w.InFlight || g.Dead != w.Dead || len(g.Consumers) != len(w.Consumers) {
			t.Fatalf("group %d = %+v, want %+v", i, g, w)
		}
		for j := range w.Consumers {
			if g.Consumers[j] != w.Consumers[j] {
				t.Fatalf("group %q consumer %d = %+v, want %+v", g.Name, j, g.Consumers[j], w.Consumers[j])
			}
		}
	}
	if one, ok := h.r.Command("jobs"); !ok || one.Pending != jobs.Pending || len(one.Groups) != 3 {
		t.Fatalf("Command(jobs) = %+v, %v", one, ok)
	}
	if _, ok := h.r.Command("nope"); ok {
		t.Fatal("Command(nope) found")
	}
}
