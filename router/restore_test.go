package router_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// stored returns a message as the store would give it back.
func stored(h *harness, command string, seq uint64) *router.Message {
	m := h.msg(command, "producer", true)
	m.Seq = seq
	return m
}

// storedSend returns a plain send as the store would give it back.
func storedSend(h *harness, command string, seq uint64) *router.Message {
	m := stored(h, command, seq)
	m.Request = false
	return m
}

func TestRestoreRebuildsQueues(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 5})
	r := h.r
	m := make(map[uint64]*router.Message)
	for seq := uint64(1); seq <= 6; seq++ {
		m[seq] = stored(h, "cmd", seq)
	}
	// given out of order; seq 4 and 6 were in flight in "a"; seq 2 was
	// finished by "a"; seq 5 is a dead letter of "a".
	r.Restore(m[6], nil, map[string]int{"a": 1})
	r.Restore(m[3], nil, nil)
	r.RestoreGroup("cmd", "a", router.GroupStart{})
	r.Restore(m[1], nil, nil)
	r.Restore(m[2], []string{"a"}, nil)
	r.Restore(m[4], nil, map[string]int{"a": 2, "gone": 7})
	r.Restore(m[5], nil, map[string]int{"a": 5})
	r.RestoreDeadLetter(m[5], "a")
	r.RestoreGroup("cmd", "b", router.GroupStart{})

	if n := r.QueueLen("cmd"); n != 6 { // 5 is dead in a, waits in b
		t.Fatalf("QueueLen %d, want 6", n)
	}
	if dl := r.DeadLetters("cmd"); len(dl) != 1 || dl[0].Msg != m[5] || dl[0].Group != "a" || dl[0].Attempts != 5 {
		t.Fatalf("DeadLetters %+v", dl)
	}
	acts := h.subscribe(10, 1, "cmd", "a", 10)
	if len(acts) != len(deliveries(acts))*2 {
		t.Fatalf("restore produced actions: %s", describe(acts))
	}
	var got []uint64
	var attempts []int
	for _, d := range deliveries(acts) {
		got = append(got, d.Msg.Seq)
		attempts = append(attempts, d.Attempt)
	}
	if !slices.Equal(got, []uint64{4, 6, 1, 3}) || !slices.Equal(attempts, []int{3, 2, 1, 1}) {
		t.Fatalf("group a got seqs %v attempts %v, want [4 6 1 3] [3 2 1 1]", got, attempts)
	}
	got = seqs(deliveries(h.subscribe(11, 1, "cmd", "b", 10)))
	if !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("group b got %v", got)
	}
	next := h.msg("cmd", "producer", false)
	if _, err := r.Admit(h.now, 1, next); err != nil || next.Seq != 7 {
		t.Fatalf("Admit after restore: seq %d, %v", next.Seq, err)
	}
	if _, err := r.Admit(h.now, 1, again(m[3])); !errors.Is(err, router.ErrDuplicate) {
		t.Fatalf("restored id admitted again: %v", err)
	}
}

func TestRestoreWithoutGroupsUsesDefaultGroup(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.r.Restore(stored(h, "cmd", 9), nil, nil)
	h.r.Restore(stored(h, "cmd", 3), nil, nil)
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	if g := one(t, acts, router.ActGroup); g.Group != router.DefaultGroup {
		t.Fatalf("group %q", g.Group)
	}
	if got := seqs(deliveries(acts)); !slices.Equal(got, []uint64{3, 9}) {
		t.Fatalf("delivered %v", got)
	}
}

func TestRestoreAtMaxDeliveriesDeadLetters(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 3})
	m := stored(h, "cmd", 1)
	h.r.RestoreGroup("cmd", router.DefaultGroup, router.GroupStart{})
	h.r.Restore(m, nil, map[string]int{router.DefaultGroup: 3}) // in flight a 3rd time
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	none(t, acts, router.ActDeliver)
	if dl := one(t, acts, router.ActDeadLetter); dl.Msg != m || dl.Attempt != 3 {
		t.Fatalf("dead letter %+v", dl)
	}
	one(t, acts, router.ActMailbox) // the producer is not connected yet
}

func TestRestoreEdgeCases(t *testing.T) {
	h := newHarness(t, router.Config{})
	done := stored(h, "cmd", 1)
	orphan := stored(h, "cmd", 2)
	onlyDead := stored(h, "cmd", 3)
	h.r.RestoreGroup("cmd", "a", router.GroupStart{})
	h.r.Restore(done, []string{"a", "old-ephemeral"}, nil)
	h.r.RestoreDeadLetter(orphan, "old-ephemeral") // its group did not survive
	h.r.RestoreDeadLetter(onlyDead, "a")           // message record already moved
	acts := h.tick()
	if ack := one(t, acts, router.ActAck); ack.Msg != done || !ack.Last {
		t.Fatalf("finished message not deleted: %s", describe(acts))
	}
	if del := one(t, acts, router.ActDeadLetterDelete); del.Msg != orphan || del.Group != "old-ephemeral" {
		t.Fatalf("dead letter of a lost group kept: %+v", del)
	}
	if dl := h.r.DeadLetters("cmd"); len(dl) != 1 || dl[0].Msg != onlyDead {
		t.Fatalf("DeadLetters %+v", dl)
	}
	next := h.msg("cmd", "p", false)
	h.publish(1, next)
	if next.Seq != 4 {
		t.Fatalf("next seq %d, want 4", next.Seq)
	}
}

func TestRestoreMailboxAndDedup(t *testing.T) {
	h := newHarness(t, router.Config{})
	answered, pending, live := h.id(), h.id(), stored(h, "cmd", 1)
	exp := h.now.Add(time.Minute)
	h.r.RestoreMailbox(answered, "producer", router.ResultOK, "consumer", []byte("parked"), exp)
	h.r.RestoreDedup(answered, "producer", router.ResultOK, "consumer", []byte("parked"), true, exp)
	h.r.RestoreDedup(pending, "producer", 0, "", nil, false, exp)
	h.r.RestoreDedup(live.ID, "producer", router.ResultRemoteError, "c", []byte("answer group failed"), true, exp)
	h.r.RestoreGroup("cmd", router.DefaultGroup, router.GroupStart{})
	h.r.RestoreGroup("cmd", "b", router.GroupStart{})
	h.r.Restore(live, []string{router.DefaultGroup}, nil)

	acts := h.connect(1, "producer")
	if res := one(t, acts, router.ActResult); res.Msg.ID != answered || string(res.Data) != "parked" || res.Conn != 1 {
		t.Fatalf("mailbox flush %+v", res)
	}
	one(t, acts, router.ActMailboxDelete)

	acts, err := h.r.Admit(h.now, 2, &router.Message{ID: answered, Command: "cmd", From: "producer", Request: true})
	if !errors.Is(err, router.ErrDuplicate) || one(t, acts, router.ActResult).Conn != 2 {
		t.Fatalf("dedup of an answered id: %v %s", err, describe(acts))
	}
	if acts, err = h.r.Admit(h.now, 2, &router.Message{ID: pending, Command: "cmd", From: "producer", Request: true}); !errors.Is(err, router.ErrDuplicate) || len(acts) != 0 {
		t.Fatalf("dedup of an unanswered id: %v %s", err, describe(acts))
	}
	// the restored window is the producer's own: another one's ID is free
	if acts, err = h.r.Admit(h.now, 3, &router.Message{ID: answered, Command: "cmd", From: "other", Request: true}); err != nil || len(acts) != 0 {
		t.Fatalf("another producer's reuse of a restored id: %v %s", err, describe(acts))
	}
	// the restored result of a message still queued is its one result
	d := one(t, h.subscribe(10, 1, "cmd", "b", 1), router.ActDeliver)
	acts = h.answer(d, router.Reply, "")
	none(t, acts, router.ActResult)
	if ack := one(t, acts, router.ActAck); !ack.Last || ack.Code != router.ResultRemoteError {
		t.Fatalf("ack %+v", ack)
	}
	h.advance(time.Minute)
	h.tick()
	if st := h.r.Stats(); st.Dedup != 1 { // only the one finished just now
		t.Fatalf("dedup after expiry: %+v", st)
	}
}

// An ID restored twice in a tail, or over a restored dedup record, is
// remembered once, as a message of the tail: a resend is a duplicate, and
// Stats count no finished ID.
func TestRestoreTailIDTwice(t *testing.T) {
	h := newHarness(t, router.Config{Window: 2, DedupWindow: time.Minute})
	id, other := h.id(), h.id()
	h.r.RestoreDedup(other, "p", 0, "", nil, false, h.now.Add(time.Minute))
	for range 2 {
		h.r.RestoreTailID(h.now, "cmd", id, "p")
		h.r.RestoreTailID(h.now, "cmd", other, "p")
	}
	h.r.RestoreTailSpan("cmd", router.TailSpan{From: 1, Last: 2, N: 2, Bytes: 14})
	h.connect(1, "p")
	h.check()
	if got := h.r.Stats().Dedup; got != 0 {
		t.Fatalf("Stats().Dedup %d, want 0: both IDs stand for messages in the tail", got)
	}
	for _, x := range []router.ID{id, other} {
		if _, err := h.r.Admit(h.now, 1, &router.Message{ID: x, Command: "cmd", From: "p"}); !errors.Is(err, router.ErrDuplicate) {
			t.Fatalf("resend of a restored tail ID: %v, want ErrDuplicate", err)
		}
	}
}

// A dead letter comes back to the message it was made of, not to another
// stored message that has its ID: the dead letter of a message all other
// groups finished (its record gone), and a later send of another producer
// with the same ID that waits past the window, attempted.
func TestRestoreDeadLetterKeepsToItsMessage(t *testing.T) {
	h := newHarness(t, router.Config{Window: 1, MaxDeliveries: 5, Lease: time.Hour})
	first, dead, later := storedSend(h, "cmd", 1), storedSend(h, "cmd", 2), storedSend(h, "cmd", 3)
	later.ID, later.From = dead.ID, "q"
	h.r.RestoreGroup("cmd", "a", router.GroupStart{})
	h.r.Restore(first, nil, nil)
	h.r.RestoreDeadLetter(dead, "a")
	h.r.Restore(later, nil, map[string]int{"a": 1})
	dl := h.r.DeadLetters("cmd")
	if len(dl) != 1 || dl[0].Msg.Seq != dead.Seq || dl[0].Group != "a" {
		var got []uint64
		for _, d := range dl {
			got = append(got, d.Msg.Seq)
		}
		t.Fatalf("dead letters of messages %v, want that of message %d alone", got, dead.Seq)
	}
	if n := h.r.QueueLen("cmd"); n != 2 {
		t.Fatalf("QueueLen %d, want the first and the later message", n)
	}
}

// Of two restored messages with one ID, the one dead in a group keeps its
// dead letter and its other groups' copies when the other, a plain send
// of another producer, comes first: that one waits for the ID. So does a
// plain send whose ID a dead letter without its message holds.
func TestRestoreDeadLetterBeforeAnotherWithItsID(t *testing.T) {
	for _, orphan := range []bool{false, true} {
		t.Run(fmt.Sprintf("orphan=%v", orphan), func(t *testing.T) {
			h := newHarness(t, router.Config{MaxDeliveries: 5, Lease: time.Hour})
			plain, dead := storedSend(h, "cmd", 1), storedSend(h, "cmd", 2)
			plain.ID, plain.From = dead.ID, "q"
			h.r.RestoreGroup("cmd", "a", router.GroupStart{})
			h.r.RestoreGroup("cmd", "b", router.GroupStart{})
			h.r.Restore(plain, nil, nil)
			if !orphan { // b still takes it
				h.r.Restore(dead, []string{"a"}, map[string]int{"a": 5})
			}
			h.r.RestoreDeadLetter(dead, "a")
			dl := h.r.DeadLetters("cmd")
			if len(dl) != 1 || dl[0].Msg.Seq != dead.Seq || dl[0].Group != "a" {
				t.Fatalf("%d dead letters, want that of message %d in group a", len(dl), dead.Seq)
			}
			want := 2 // the plain send, and the dead one that b takes
			if orphan {
				want = 1
			}
			if n := h.r.QueueLen("cmd"); n != want {
				t.Fatalf("QueueLen %d, want %d", n, want)
			}
			got := seqs(deliveries(h.subscribe(11, 1, "cmd", "b", 10)))
			var wantB []uint64 // the plain send waits for the ID
			if !orphan {
				wantB = []uint64{2}
			}
			if !slices.Equal(got, wantB) {
				t.Fatalf("group b got %v, want %v", got, wantB)
			}
			acts, n, err := h.r.PurgeDeadLetters(h.now, "cmd")
			if err != nil || n != 1 {
				t.Fatalf("PurgeDeadLetters: %d, %v", n, err)
			}
			if orphan { // the ID is free: the plain send comes
				if got := seqs(deliveries(h.done(acts))); !slices.Equal(got, []uint64{1}) {
					t.Fatalf("after the purge of the dead letter group b got %v, want [1]", got)
				}
			}
		})
	}
}
