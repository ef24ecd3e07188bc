package pebblestore

import (
	"math/rand/v2"
	"testing"
)

// TestSeqSetMatchesMap checks add, remove, has, min and len against a map,
// with seqs clustered the way queues use them plus far-away outliers.
func TestSeqSetMatchesMap(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 7))
		var s seqSet
		model := map[uint64]bool{}
		pick := func() uint64 {
			if r.IntN(20) == 0 {
				return r.Uint64N(1 << 40)
			}
			return r.Uint64N(20_000)
		}
		for step := range 20_000 {
			seq := pick()
			switch r.IntN(3) {
			case 0, 1:
				if got, want := s.add(seq), !model[seq]; got != want {
					t.Fatalf("seed %d step %d: add(%d) = %v, want %v", seed, step, seq, got, want)
				}
				model[seq] = true
			case 2:
				if got, want := s.remove(seq), model[seq]; got != want {
					t.Fatalf("seed %d step %d: remove(%d) = %v, want %v", seed, step, seq, got, want)
				}
				delete(model, seq)
			}
			if probe := pick(); s.has(probe) != model[probe] {
				t.Fatalf("seed %d step %d: has(%d) = %v", seed, step, probe, !model[probe])
			}
			if s.len() != len(model) {
				t.Fatalf("seed %d step %d: len %d, want %d", seed, step, s.len(), len(model))
			}
			if step%97 == 0 {
				lowest, ok := s.min()
				want, wantOK := mapMin(model)
				if lowest != want || ok != wantOK {
					t.Fatalf("seed %d step %d: min = %d %v, want %d %v", seed, step, lowest, ok, want, wantOK)
				}
			}
		}
	}
}

func mapMin(m map[uint64]bool) (uint64, bool) {
	var lowest uint64
	ok := false
	for k := range m {
		if !ok || k < lowest {
			lowest, ok = k, true
		}
	}
	return lowest, ok
}

// TestSeqSetQueueMemory checks that a million consecutive pending seqs take
// the compact form the store relies on.
func TestSeqSetQueueMemory(t *testing.T) {
	var s seqSet
	for seq := range uint64(1_000_000) {
		s.add(seq + 1)
	}
	if n := len(s.chunks); n > 1_000_000/(1<<chunkShift)+2 {
		t.Fatalf("%d chunks for 1M consecutive seqs", n)
	}
	for seq := range uint64(999_999) {
		s.remove(seq + 1)
	}
	if lowest, _ := s.min(); lowest != 1_000_000 || len(s.chunks) != 1 {
		t.Fatalf("after draining: min %d, %d chunks; want 1000000 in 1 chunk", lowest, len(s.chunks))
	}
}
