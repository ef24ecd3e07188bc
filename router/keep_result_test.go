package router_test

import (
	"testing"

	"github.com/teonet-go/teomq/router"
)

// A request answered by its only group keeps its result with its Last ack
// and asks for nothing more; answered while another group still holds its
// copy, its result is kept with the stored message (ActKeepResult), so
// that a restart gives the producer no second one.
func TestResultKeptWithAMessageThatStays(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(10, 1, "solo", router.DefaultGroup, 1)
	_, acts := h.send(1, "solo", true)
	acts = h.answer(one(t, acts, router.ActDeliver), router.Reply, "done")
	none(t, acts, router.ActKeepResult)
	if ack := one(t, acts, router.ActAck); !ack.Last || !ack.Answered {
		t.Fatalf("ack %+v, want the Last one with the result", ack)
	}

	h.subscribe(11, 1, "pair", router.DefaultGroup, 1)
	h.subscribe(12, 1, "pair", "audit", 1)
	h.unsubscribe(12, 1) // audit, durable, holds its copy with no consumer
	_, acts = h.send(1, "pair", true)
	acts = h.answer(one(t, acts, router.ActDeliver), router.Reply, "done")
	if k := one(t, acts, router.ActKeepResult); !k.Answered || string(k.Data) != "done" || k.Code != router.ResultOK {
		t.Fatalf("kept result %+v, want the reply", k)
	}
	if ack := one(t, acts, router.ActAck); ack.Last {
		t.Fatalf("ack %+v is Last while audit holds a copy", ack)
	}
}
