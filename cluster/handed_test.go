package cluster

import (
	"testing"
	"time"
)

// A result handed over is a duplicate until its window ends, and only
// then; the order is compacted as it drains.
func TestHandedSetWindow(t *testing.T) {
	var h handedSet
	t0 := time.Unix(1000, 0)
	key := func(i int) handedKey { return handedKey{producer: "p", id: [16]byte{byte(i), byte(i >> 8)}} }
	for i := range 3000 {
		if !h.add(key(i), t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("result %d reported handed before", i)
		}
	}
	if h.add(key(5), t0.Add(time.Hour)) {
		t.Fatal("a second hand-over of result 5 within its window was taken as new")
	}
	h.expire(t0.Add(2500 * time.Millisecond))
	if !h.add(key(5), t0.Add(time.Hour)) {
		t.Fatal("result 5 still counted as handed after its window ended")
	}
	if h.add(key(2999), t0.Add(time.Hour)) {
		t.Fatal("result 2999 forgotten before its window ended")
	}
	if live := len(h.order) - h.head; live != 501 {
		t.Fatalf("%d entries live, want 501 (the 500 of 2,500-2,999 ms, and result 5 again)", live)
	}
}
