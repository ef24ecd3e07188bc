package router_test

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func TestMailboxFlushedOnConnect(t *testing.T) {
	h := newHarness(t, router.Config{MailboxTTL: time.Minute})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m1, a1 := h.send(1, "cmd", true)
	m2, a2 := h.send(1, "cmd", true)
	h.disconnect(1)

	var parked []router.Action
	for i, d := range []router.Action{one(t, a1, router.ActDeliver), one(t, a2, router.ActDeliver)} {
		acts := h.answer(d, router.Reply, []string{"r1", "r2"}[i])
		none(t, acts, router.ActResult)
		parked = append(parked, one(t, acts, router.ActMailbox))
	}
	if p := parked[0]; p.Msg.ID != m1.ID || p.Msg.From != "producer" || string(p.Data) != "r1" || !p.Expires.Equal(h.now.Add(time.Minute)) {
		t.Fatalf("mailbox %+v", p)
	}
	h.connect(2, "someone else")
	acts := h.connect(3, "producer")
	res := only(acts, router.ActResult)
	if len(res) != 2 || res[0].Msg.ID != m1.ID || res[1].Msg.ID != m2.ID || res[0].Conn != 3 || string(res[1].Data) != "r2" {
		t.Fatalf("flushed %s", describe(acts))
	}
	if dels := only(acts, router.ActMailboxDelete); len(dels) != 2 {
		t.Fatalf("%d mailbox deletes", len(dels))
	}
	if st := h.r.Stats(); st.Mailbox != 0 {
		t.Fatalf("mailbox holds %d after flush", st.Mailbox)
	}
	none(t, h.connect(4, "producer"), router.ActResult) // flushed once
}

func TestMailboxExpires(t *testing.T) {
	h := newHarness(t, router.Config{MailboxTTL: time.Minute})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m, acts := h.send(1, "cmd", true) // producer never connected
	one(t, h.answer(one(t, acts, router.ActDeliver), router.Reply, ""), router.ActMailbox)
	h.advance(time.Minute - 1)
	none(t, h.tick(), router.ActMailboxDelete)
	h.advance(1)
	if del := one(t, h.tick(), router.ActMailboxDelete); del.Msg.ID != m.ID {
		t.Fatalf("deleted %+v", del)
	}
	none(t, h.connect(1, "producer"), router.ActResult)
}

func TestResultGoesToLatestConnection(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.connect(2, "producer") // a second connection of the same peer
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	_, acts := h.send(1, "cmd", true)
	d := one(t, acts, router.ActDeliver)
	h.disconnect(1) // the older one leaving does not unregister the newer
	if res := one(t, h.answer(d, router.Reply, ""), router.ActResult); res.Conn != 2 {
		t.Fatalf("result to conn %d, want 2", res.Conn)
	}
}

func TestResultWithoutProducerAddressIsDropped(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	m := h.msg("cmd", "", true)
	acts := h.answer(one(t, h.publish(1, m), router.ActDeliver), router.Reply, "")
	none(t, acts, router.ActResult)
	none(t, acts, router.ActMailbox)
	one(t, acts, router.ActAck)
}
