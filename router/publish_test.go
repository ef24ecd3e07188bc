package router_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/router"
)

func TestPointToPointExactlyOneConsumer(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		t.Run(strconv.Itoa(n)+" consumers", func(t *testing.T) {
			h := newHarness(t, router.Config{})
			for c := range n {
				h.subscribe(router.ConnID(10+c), 1, "num_servers", router.DefaultGroup, 100)
			}
			h.subscribe(99, 1, "version", router.DefaultGroup, 100) // another command
			got := make(map[router.ID]int)
			for range 20 {
				_, acts := h.send(1, "num_servers", false)
				for _, d := range deliveries(acts) {
					if d.Conn == 99 {
						t.Fatalf("a subscriber of another command got %q", d.Msg.Command)
					}
					got[d.Msg.ID]++
				}
			}
			if len(got) != 20 {
				t.Fatalf("%d of 20 messages delivered", len(got))
			}
			for id, k := range got {
				if k != 1 {
					t.Fatalf("message %x delivered %d times", id, k)
				}
			}
		})
	}
}

func TestEachGroupGetsACopy(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", "audit", 10)
	h.subscribe(11, 1, "cmd", "audit", 10)
	h.subscribe(12, 1, "cmd", "work", 10)
	h.subscribe(13, 1, "cmd", "work", 10)
	_, acts := h.send(1, "cmd", false)
	ds := deliveries(acts)
	if len(ds) != 2 || ds[0].Group == ds[1].Group {
		t.Fatalf("want one delivery per group, got %s", describe(ds))
	}
	for _, d := range ds {
		h.answer(d, router.Reply, "ok")
	}
	if n := h.r.QueueLen("cmd"); n != 0 {
		t.Fatalf("QueueLen = %d after both groups answered", n)
	}
}

func TestAckIsLastWhenEveryGroupIsDone(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", "a", 10)
	h.subscribe(11, 1, "cmd", "b", 10)
	_, acts := h.send(1, "cmd", false)
	ds := deliveries(acts)
	first := one(t, h.answer(ds[0], router.Reply, ""), router.ActAck)
	if first.Last || first.Group != ds[0].Group {
		t.Fatalf("first ack: Last=%v group %q", first.Last, first.Group)
	}
	second := one(t, h.answer(ds[1], router.Reply, ""), router.ActAck)
	if !second.Last {
		t.Fatal("ack of the last group is not Last")
	}
}

func TestDefaultGroupBuffersUntilASubscriber(t *testing.T) {
	h := newHarness(t, router.Config{})
	var want []uint64
	for i := range 3 {
		m, acts := h.send(1, "cmd", false)
		want = append(want, m.Seq)
		if i == 0 {
			if g := one(t, acts, router.ActGroup); g.Group != router.DefaultGroup || g.Msg.Command != "cmd" {
				t.Fatalf("ActGroup %q of %q", g.Group, g.Msg.Command)
			}
		} else {
			none(t, acts, router.ActGroup)
		}
		none(t, acts, router.ActDeliver)
	}
	if n := h.r.QueueLen("cmd"); n != 3 {
		t.Fatalf("QueueLen = %d, want 3", n)
	}
	got := seqs(deliveries(h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)))
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

func TestNewGroupGetsOnlyLaterMessages(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.send(1, "cmd", false) // waits in the default group
	if ds := deliveries(h.subscribe(10, 1, "cmd", "late", 10)); len(ds) != 0 {
		t.Fatalf("a new group got %d earlier messages", len(ds))
	}
	m, acts := h.send(1, "cmd", false)
	if d := one(t, acts, router.ActDeliver); d.Msg != m || d.Group != "late" {
		t.Fatalf("delivered %s", describe(acts))
	}
}

func TestFIFOWithinGroup(t *testing.T) {
	h := newHarness(t, router.Config{})
	var want []uint64
	for range 5 {
		m, _ := h.send(1, "cmd", false)
		want = append(want, m.Seq)
	}
	var got []uint64
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	for range 5 {
		d := one(t, acts, router.ActDeliver)
		got = append(got, d.Msg.Seq)
		acts = h.answer(d, router.Reply, "")
	}
	if !slices.Equal(got, want) || !slices.IsSorted(got) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

func TestRedeliveriesGoFirst(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 2)
	var all []uint64
	for range 4 {
		m, _ := h.send(1, "cmd", false)
		all = append(all, m.Seq)
	}
	h.disconnect(10) // seq 1 and 2 were in flight: requeued
	var got []uint64
	acts := h.subscribe(11, 1, "cmd", router.DefaultGroup, 1)
	for range 4 {
		d := one(t, acts, router.ActDeliver)
		got = append(got, d.Msg.Seq)
		acts = h.answer(d, router.Reply, "")
	}
	if !slices.Equal(got, all) {
		t.Fatalf("delivered %v, want %v (redeliveries first, by Seq)", got, all)
	}
}

func TestSeqIncreasesPerCommand(t *testing.T) {
	h := newHarness(t, router.Config{})
	a1, _ := h.send(1, "a", false)
	b1, _ := h.send(1, "b", false)
	a2, _ := h.send(1, "a", false)
	if a1.Seq != 1 || b1.Seq != 1 || a2.Seq != 2 {
		t.Fatalf("seqs a1=%d b1=%d a2=%d", a1.Seq, b1.Seq, a2.Seq)
	}
}

func TestQueueFull(t *testing.T) {
	h := newHarness(t, router.Config{MaxQueueLen: 2})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	reserved := h.msg("cmd", "p", false)
	if _, err := h.r.Admit(h.now, 1, reserved); err != nil {
		t.Fatal(err)
	}
	// one in flight + one admitted but not committed: full
	if _, err := h.r.Admit(h.now, 1, h.msg("cmd", "p", false)); !errors.Is(err, router.ErrQueueFull) {
		t.Fatalf("Admit at the limit: %v, want ErrQueueFull", err)
	}
	if _, err := h.r.Admit(h.now, 1, h.msg("other", "p", false)); err != nil {
		t.Fatalf("another command is limited too: %v", err)
	}
	h.r.Abort(reserved)
	if _, err := h.r.Admit(h.now, 1, h.msg("cmd", "p", false)); err != nil {
		t.Fatalf("Admit after Abort freed a place: %v", err)
	}
	if _, err := h.r.Admit(h.now, 1, h.msg("cmd", "p", false)); !errors.Is(err, router.ErrQueueFull) {
		t.Fatalf("Admit: %v, want ErrQueueFull", err)
	}
	h.answer(d, router.Reply, "")
	if _, err := h.r.Admit(h.now, 1, h.msg("cmd", "p", false)); err != nil {
		t.Fatalf("Admit after an answer freed a place: %v", err)
	}
}

func TestAbortForgetsTheID(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m := h.msg("cmd", "p", false)
	if _, err := h.r.Admit(h.now, 1, m); err != nil {
		t.Fatal(err)
	}
	h.r.Abort(m)
	if acts := h.done(h.r.Commit(h.now, m)); len(acts) != 0 {
		t.Fatalf("Commit after Abort acted: %s", describe(acts))
	}
	if d := one(t, h.publish(1, m), router.ActDeliver); d.Msg != m {
		t.Fatal("re-published message not delivered")
	}
	if acts := h.done(h.r.Commit(h.now, m)); len(acts) != 0 {
		t.Fatalf("second Commit acted: %s", describe(acts))
	}
}

func TestAdmitRejectsBadCommand(t *testing.T) {
	h := newHarness(t, router.Config{})
	for _, name := range []string{"", "has space", "tab\there", string(make([]byte, 256))} {
		if _, err := h.r.Admit(h.now, 1, h.msg(name, "p", false)); !errors.Is(err, router.ErrBadName) {
			t.Errorf("Admit(%q): %v, want ErrBadName", name, err)
		}
	}
	if st := h.r.Stats(); st.Commands != 0 || st.Messages != 0 {
		t.Fatalf("rejected publishes left state: %+v", st)
	}
}

// The payload bytes of a command's pending messages are bounded too: a
// publish that would pass MaxQueueBytes is refused with ErrQueueFull naming
// the limit, stores nothing, and goes through once an answer frees room.
func TestQueueBytesFull(t *testing.T) {
	h := newHarness(t, router.Config{MaxQueueBytes: 20})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	sized := func(n int) *router.Message {
		m := h.msg("cmd", "p", false)
		m.Data = make([]byte, n)
		return m
	}
	d := one(t, h.publish(1, sized(8)), router.ActDeliver) // in flight: counts
	h.publish(1, sized(8))                                 // pending
	_, err := h.r.Admit(h.now, 1, sized(5))
	if !errors.Is(err, router.ErrQueueFull) || !strings.Contains(err.Error(), "max queue bytes") {
		t.Fatalf("Admit past the byte limit: %v, want ErrQueueFull naming max queue bytes", err)
	}
	if ci, _ := h.r.Command("cmd"); ci.Messages != 2 || ci.Bytes != 16 {
		t.Fatalf("after a refusal: %d messages, %d bytes; want 2, 16", ci.Messages, ci.Bytes)
	}
	if _, err := h.r.Admit(h.now, 1, sized(4)); err != nil { // exactly at the limit
		t.Fatalf("Admit up to the limit: %v", err)
	}
	if _, err := h.r.Admit(h.now, 1, sized(0)); err != nil {
		t.Fatalf("an empty payload takes no bytes: %v", err)
	}
	h.answer(d, router.Reply, "")
	if _, err := h.r.Admit(h.now, 1, sized(5)); err != nil {
		t.Fatalf("Admit after an answer freed 8 bytes: %v", err)
	}
}

// The message limit's error names its limit too.
func TestQueueFullNamesTheLimit(t *testing.T) {
	h := newHarness(t, router.Config{MaxQueueLen: 1})
	h.send(1, "cmd", false)
	_, err := h.r.Admit(h.now, 1, h.msg("cmd", "p", false))
	if !errors.Is(err, router.ErrQueueFull) || !strings.Contains(err.Error(), "max queue length") {
		t.Fatalf("Admit: %v, want ErrQueueFull naming max queue length", err)
	}
}
