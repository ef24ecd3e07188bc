package router_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/teonet-go/teomq/router"
)

// Past ResidentBytes a queued message's payload is left to the store; the
// group delivers in order up to the first such message, asks for it with
// ActFetch, and delivers the rest once Fill brings their payloads back.
func TestPagedPayloadFetchedBeforeDelivery(t *testing.T) {
	h := newHarness(t, router.Config{ResidentBytes: 15})
	var msgs []*router.Message
	var data [][]byte
	for i := range 3 {
		m := h.msg("cmd", "p", false)
		m.Data = bytes.Repeat([]byte{byte('a' + i)}, 10)
		data = append(data, slices.Clone(m.Data))
		h.publish(1, m)
		msgs = append(msgs, m)
	}
	if msgs[0].Data == nil || msgs[1].Data != nil || msgs[2].Data != nil {
		t.Fatal("want the first payload kept and the two past 15 bytes paged out")
	}
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	if got := seqs(deliveries(acts)); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("delivered %v before the fetch, want [1]", got)
	}
	f := one(t, acts, router.ActFetch)
	if f.Msg.Seq != 2 || f.Attempt < 1 {
		t.Fatalf("fetch from seq %d of %d messages, want from 2", f.Msg.Seq, f.Attempt)
	}
	if again := h.done(h.r.Tick(h.now)); slices.ContainsFunc(again, func(a router.Action) bool { return a.Kind == router.ActFetch }) {
		t.Fatal("a second fetch while the first is under way")
	}
	acts = h.done(h.r.Fill(h.now, "cmd", []router.Payload{
		{ID: msgs[1].ID, Seq: 2, Data: data[1]}, {ID: msgs[2].ID, Seq: 3, Data: data[2]},
	}))
	ds := deliveries(acts)
	if got := seqs(ds); !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("delivered %v after the fill, want [2 3]", got)
	}
	for i, d := range ds {
		if !bytes.Equal(d.Msg.Data, data[i+1]) {
			t.Fatalf("seq %d delivered with %q, want %q", d.Msg.Seq, d.Msg.Data, data[i+1])
		}
	}
}

// A message that a waiting subscriber takes at once keeps its payload,
// whatever ResidentBytes says.
func TestPayloadKeptForAWaitingSubscriber(t *testing.T) {
	h := newHarness(t, router.Config{ResidentBytes: 1})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	m := h.msg("cmd", "p", false)
	if d := one(t, h.publish(1, m), router.ActDeliver); d.Msg.Data == nil {
		t.Fatal("delivered without its payload")
	}
}

// Restored messages are paged out past ResidentBytes too, unless they were
// delivered before (a redelivery keeps its payload).
func TestRestorePagesOut(t *testing.T) {
	h := newHarness(t, router.Config{ResidentBytes: 15})
	var msgs []*router.Message
	for seq := uint64(1); seq <= 4; seq++ {
		m := stored(h, "cmd", seq)
		m.Data = bytes.Repeat([]byte{'x'}, 10)
		msgs = append(msgs, m)
	}
	h.r.Restore(msgs[0], nil, nil)
	h.r.Restore(msgs[1], nil, nil)
	h.r.Restore(msgs[2], nil, map[string]int{router.DefaultGroup: 1})
	h.r.Restore(msgs[3], nil, nil)
	acts := h.subscribe(10, 1, "cmd", router.DefaultGroup, 10)
	if got := seqs(deliveries(acts)); !slices.Equal(got, []uint64{3, 1}) {
		t.Fatalf("delivered %v before a fetch, want the redelivery 3, then 1", got)
	}
	if f := one(t, acts, router.ActFetch); f.Msg.Seq != 2 || msgs[3].Data != nil {
		t.Fatalf("fetch from %d (seq 4 paged: %v), want from 2 with 2 and 4 paged out", f.Msg.Seq, msgs[3].Data == nil)
	}
}
