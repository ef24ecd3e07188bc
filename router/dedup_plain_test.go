package router

import (
	"encoding/binary"
	"testing"
)

// The plain IDs of the dedup window come out of the plain FIFO in order
// of expiry whatever was forgotten in between, a slot forgotten out of
// order (or whose ID was remembered again) is skipped and its room given
// back, and an ID that expires before the newest one goes to the heap.
func TestPlainDedupFIFO(t *testing.T) {
	r := New(Config{})
	key := func(i int) dedupKey {
		var id ID
		binary.BigEndian.PutUint64(id[8:], uint64(i))
		return dedupKey{"p", id}
	}
	const n = 3 * plainBlock
	for i := range n {
		r.addPlain(key(i), nil, int64(i/2)) // ties too
	}
	r.addPlain(key(n), nil, -1) // the clock went back
	if ref := r.dedup[key(n)]; ref.e == nil || ref.e.idx < 0 {
		t.Fatal("an ID that expires before the newest one is not in the heap")
	}
	r.forget(r.dedup[key(n)].e)
	// Forget all but every 7th, from the back; remember 14 again (a
	// second slot, the first one stale).
	for i := n - 1; i >= 0; i-- {
		if i%7 != 0 {
			r.forgetRef(key(i), r.dedup[key(i)])
		}
	}
	r.forgetRef(key(14), r.dedup[key(14)])
	r.addPlain(key(14), nil, n)
	if err := r.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	if slots := r.plainExp.n; slots > 2*len(r.dedup) {
		t.Fatalf("%d slots for %d IDs: the stale ones were not compacted", slots, len(r.dedup))
	}
	var got []dedupKey
	for k, ref, ok := r.firstDedup(); ok; k, ref, ok = r.firstDedup() {
		got = append(got, k)
		r.forgetRef(k, ref)
		if err := r.CheckInvariants(); err != nil {
			t.Fatal(err)
		}
	}
	var want []dedupKey
	for i := 0; i < n; i += 7 {
		if i != 14 {
			want = append(want, key(i))
		}
	}
	want = append(want, key(14))
	if len(got) != len(want) {
		t.Fatalf("%d IDs came out, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("ID %d out of order", i)
		}
	}
}
