package router

import (
	"fmt"
	"testing"
)

// The tail index finds each record by producer and ID while several
// producers' records share IDs, whichever of them is removed first.
func TestTailIndexChainsOneIDOfSeveralProducers(t *testing.T) {
	producers := []string{"a", "b", "c", "d"}
	ids := []ID{{1}, {2}}
	for first := range producers {
		x := newTailIndex()
		recs := make(map[dedupKey]*tailRec)
		for _, id := range ids {
			for _, p := range producers {
				rec := &tailRec{key: dedupKey{p, id}}
				x.put(rec)
				recs[rec.key] = rec
			}
		}
		// Remove one producer's records, then every other in turn,
		// checking that the rest are all still found.
		order := append(append([]string{}, producers[first:]...), producers[:first]...)
		for i, p := range order {
			for _, id := range ids {
				x.remove(recs[dedupKey{p, id}])
				x.remove(recs[dedupKey{p, id}]) // a second remove changes nothing
				delete(recs, dedupKey{p, id})
			}
			if err := checkTailIndex(&x, recs); err != nil {
				t.Fatalf("removing %v (from %q): after %q: %v", order, order[0], order[i], err)
			}
		}
	}
}

// checkTailIndex checks that x holds exactly the records of want.
func checkTailIndex(x *tailIndex, want map[dedupKey]*tailRec) error {
	if x.len() != len(want) {
		return fmt.Errorf("len %d, want %d", x.len(), len(want))
	}
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
