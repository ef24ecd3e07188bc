package router_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/teonet-go/teomq/router"
)

func TestEphemeralGroupRemovedWithLastSubscriber(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", "durable", 10)
	if acts := h.subscribeEphemeral(11, 1, "cmd", "tmp", 1); len(only(acts, router.ActGroup)) != 0 {
		t.Fatal("ephemeral group announced for persistence")
	}
	h.subscribeEphemeral(12, 1, "cmd", "tmp", 1)
	var dur []router.Action
	for range 4 {
		_, acts := h.send(1, "cmd", false)
		dur = append(dur, deliveries(acts)...)
	}
	h.unsubscribe(11, 1) // one member left: its message is requeued, the group stays
	if g := h.r.Groups("cmd"); len(g) != 2 {
		t.Fatalf("groups %v", g)
	}
	acts := h.disconnect(12)
	acks := only(acts, router.ActAck)
	if len(acks) != 4 {
		t.Fatalf("%d acks on removal, want 4 (every copy of the group)", len(acks))
	}
	for _, a := range acks {
		if a.Group != "tmp" || a.Last {
			t.Fatalf("ack %+v: the durable group still needs the message", a)
		}
	}
	if g := h.r.Groups("cmd"); len(g) != 1 || g[0] != "durable" {
		t.Fatalf("groups after removal %v", g)
	}
	for _, d := range dur {
		if d.Group == "durable" {
			if ack := one(t, h.answer(d, router.Reply, ""), router.ActAck); !ack.Last {
				t.Fatal("the durable group's ack is not Last")
			}
		}
	}
}

func TestEphemeralOnlyCommand(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribeEphemeral(11, 1, "cmd", "tmp", 1)
	h.send(1, "cmd", false)
	h.send(1, "cmd", false)
	acks := only(h.disconnect(11), router.ActAck)
	if len(acks) != 2 || !acks[0].Last || !acks[1].Last {
		t.Fatalf("acks %s, want two Last", describe(acks))
	}
	if st := h.r.Stats(); st.Messages != 0 || st.Groups != 0 {
		t.Fatalf("stats %+v", st)
	}
	// with no group left, a publish waits in a new default group again
	_, acts := h.send(1, "cmd", false)
	if g := one(t, acts, router.ActGroup); g.Group != router.DefaultGroup {
		t.Fatalf("group %q", g.Group)
	}
}

func TestDurableGroupKeepsQueueing(t *testing.T) {
	h := newHarness(t, router.Config{})
	if g := one(t, h.subscribe(10, 1, "cmd", "workers", 1), router.ActGroup); g.Group != "workers" || g.Msg.Command != "cmd" {
		t.Fatalf("ActGroup %+v", g)
	}
	h.disconnect(10)
	for range 3 {
		h.send(1, "cmd", false)
	}
	if n := h.r.QueueLen("cmd"); n != 3 {
		t.Fatalf("QueueLen %d", n)
	}
	acts := h.subscribe(11, 1, "cmd", "workers", 10)
	none(t, acts, router.ActGroup)
	if len(deliveries(acts)) != 3 {
		t.Fatal("queued messages not delivered to the returning group")
	}
}

func TestDurableSubscribeUpgradesEphemeralGroup(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribeEphemeral(10, 1, "cmd", "g", 1)
	one(t, h.subscribe(11, 1, "cmd", "g", 1), router.ActGroup)
	h.disconnect(10)
	h.disconnect(11)
	if g := h.r.Groups("cmd"); len(g) != 1 {
		t.Fatal("upgraded group was removed")
	}
}

func TestSubscribeErrors(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	tests := []struct {
		name    string
		subID   uint32
		command string
		group   string
		credit  int
		want    error
	}{
		{"empty command", 2, "", "", 1, router.ErrBadName},
		{"control char in group", 2, "cmd", "a\x00b", 1, router.ErrBadName},
		{"space in group", 2, "cmd", "a b", 1, router.ErrBadName},
		{"zero credit", 2, "cmd", "", 0, router.ErrBadCredit},
		{"sub id in use", 1, "other", "", 1, router.ErrDuplicateSub},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.r.Subscribe(h.now, 10, tc.subID, tc.command, tc.group, tc.credit, false); !errors.Is(err, tc.want) {
				t.Fatalf("Subscribe: %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := h.r.Unsubscribe(h.now, 10, 9); !errors.Is(err, router.ErrUnknownSub) {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if _, err := h.r.Unsubscribe(h.now, 99, 1); !errors.Is(err, router.ErrUnknownSub) {
		t.Fatalf("Unsubscribe of unknown conn: %v", err)
	}
	if st := h.r.Stats(); st.Subscribers != 1 || st.Commands != 1 {
		t.Fatalf("refused subscribes left state: %+v", st)
	}
}

// A new durable group is announced with its start: the next Seq, plus the
// messages admitted and not yet committed, which Commit still gives it.
func TestGroupStartAnnounced(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.send(1, "cmd", false)             // seq 1: before the group
	pending := h.msg("cmd", "p", false) // seq 2: admitted before, committed after
	if _, err := h.r.Admit(h.now, 1, pending); err != nil {
		t.Fatal(err)
	}
	g := one(t, h.subscribe(10, 1, "cmd", "late", 10), router.ActGroup)
	if g.Start.From != 3 || !slices.Equal(g.Start.Also, []uint64{2}) {
		t.Fatalf("group late starts at %+v, want From 3 Also [2]", g.Start)
	}
	if got := seqs(deliveries(h.done(h.r.Commit(h.now, pending)))); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("late got %v on the commit, want [2]", got)
	}
	if got := seqs(deliveries(h.publish(1, h.msg("cmd", "p", false)))); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("late got %v on a publish, want [3]", got)
	}
}

// At restore a group takes only the messages its start covers, and the
// command's Seq continues past the start even when no message is left.
func TestRestoreGroupStart(t *testing.T) {
	h := newHarness(t, router.Config{})
	for seq := uint64(1); seq <= 5; seq++ {
		h.r.Restore(stored(h, "cmd", seq), nil, nil)
	}
	h.r.RestoreGroup("cmd", "all", router.GroupStart{})
	h.r.RestoreGroup("cmd", "late", router.GroupStart{From: 4, Also: []uint64{2}})
	if got := seqs(deliveries(h.subscribe(10, 1, "cmd", "late", 10))); !slices.Equal(got, []uint64{2, 4, 5}) {
		t.Fatalf("late got %v, want [2 4 5]", got)
	}
	if got := seqs(deliveries(h.subscribe(11, 1, "cmd", "all", 10))); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("all got %v, want [1 2 3 4 5]", got)
	}

	empty := newHarness(t, router.Config{})
	empty.r.RestoreGroup("cmd", "g", router.GroupStart{From: 9})
	if m, _ := empty.send(1, "cmd", false); m.Seq != 9 {
		t.Fatalf("first Seq after restoring a group that starts at 9: %d, want 9", m.Seq)
	}
}
