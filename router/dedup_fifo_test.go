package router

import "testing"

// The tail dedup FIFO gives its entries in order of expiry whatever is
// taken out of its middle, skips the holes that leaves, gives the room of
// the entries taken back (compaction), and refuses an entry that expires
// before the newest one.
func TestDedupFIFO(t *testing.T) {
	var f dedupFIFO
	const n = 5000
	es := make([]*dedupEntry, n)
	for i := range es {
		es[i] = &dedupEntry{expires: int64(i / 2), idx: -1} // ties too
		if !f.push(es[i]) {
			t.Fatalf("push %d refused", i)
		}
	}
	if f.push(&dedupEntry{expires: -1}) {
		t.Fatal("an entry that expires before the newest one went in")
	}
	// Take out every entry but those whose index is a multiple of 7,
	// from the back, so that each leaves a hole.
	for i := n - 1; i >= 0; i-- {
		if i%7 != 0 {
			f.remove(es[i])
		}
	}
	if held := len(f.q) - f.head; held > 2*f.live {
		t.Fatalf("%d slots held for %d entries: the holes were not compacted", held, f.live)
	}
	for i := 0; i < n; i += 7 {
		if got := f.front(); got != es[i] {
			t.Fatalf("front is not entry %d", i)
		}
		f.remove(es[i])
	}
	if f.front() != nil || f.live != 0 || len(f.q) != 0 {
		t.Fatalf("%d entries, %d slots left after taking every one out", f.live, len(f.q))
	}
	if !f.push(&dedupEntry{expires: -1}) {
		t.Fatal("an empty FIFO refused an entry")
	}
}
