package router

import (
	"fmt"
	"testing"
	"unsafe"
)

// A record of a request waiting in the store is kept in 96 bytes on 64-bit
// platforms: a backlog of a million requests holds a million of them.
func TestTailRecordSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) == 8 && unsafe.Sizeof(tailRec{}) > 96 {
		t.Fatalf("a tail record takes %d bytes, want at most 96", unsafe.Sizeof(tailRec{}))
	}
}

// The tail index finds each record by producer and ID while several
// producers' records share IDs, whichever of them is replaced or removed
// first.
func TestTailIndexChainsOneIDOfSeveralProducers(t *testing.T) {
	producers := []string{"a", "b", "c", "d"}
	ids := []ID{{1}, {2}}
	for first := range producers {
		x := newTailIndex()
		recs := make(map[dedupKey]*tailRec)
		for _, id := range ids {
			for _, p := range producers {
				rec := &tailRec{key: dedupKey{p, id}}
				if old := x.put(rec); old != nil {
					t.Fatalf("put of a new key (%q, %x) replaced a record", p, id[:1])
				}
				recs[rec.key] = rec
			}
		}
		// A record put again for its key replaces the one indexed, in
		// the middle of its ID's chain or at either end.
		for _, p := range producers {
			key := dedupKey{p, ids[first%len(ids)]}
			rec := &tailRec{key: key}
			if old := x.put(rec); old != recs[key] {
				t.Fatalf("put again of (%q, %x) replaced %p, want %p", p, key.id[:1], old, recs[key])
			}
			recs[key] = rec
			if err := checkTailIndex(&x, recs); err != nil {
				t.Fatalf("after putting (%q, %x) again: %v", p, key.id[:1], err)
			}
		}
		// Remove one producer's records, then every other in turn,
		// checking that the rest are all still found.
		order := append(append([]string{}, producers[first:]...), producers[:first]...)
		for i, p := range order {
			if i == 1 { // this producer's records go during a walk, which still yields every record
				walked, held := 0, len(recs)
				for rec := range x.all() {
					walked++
					if rec.key.producer == p {
						x.remove(rec)
						delete(recs, rec.key)
					}
				}
				if walked != held {
					t.Fatalf("a walk that removed %q's records yielded %d of %d", p, walked, held)
				}
			}
			for _, id := range ids {
				if rec := recs[dedupKey{p, id}]; rec != nil {
					x.remove(rec)
					x.remove(rec) // a second remove changes nothing
					delete(recs, dedupKey{p, id})
				}
			}
			if err := checkTailIndex(&x, recs); err != nil {
				t.Fatalf("removing %v (from %q): after %q: %v", order, order[0], order[i], err)
			}
		}
	}
}

// checkTailIndex checks that x holds exactly the records of want.
func checkTailIndex(x *tailIndex, want map[dedupKey]*tailRec) error {
	for key, rec := range want {
		if got := x.get(key); got != rec {
			return fmt.Errorf("get(%q, %x) = %p, want %p", key.producer, key.id[:1], got, rec)
		}
	}
	n := 0
	for rec := range x.all() {
		if want[rec.key] != rec {
			return fmt.Errorf("all yields a record of (%q, %x) it should not hold", rec.key.producer, rec.key.id[:1])
		}
		n++
	}
	if n != len(want) {
		return fmt.Errorf("all yields %d records, want %d", n, len(want))
	}
	return nil
}
