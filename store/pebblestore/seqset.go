package pebblestore

import (
	"math/bits"
	"sort"
	"sync"
)

// seqSet is a set of sequence numbers kept as a sorted run of 4096-bit
// chunks. A million pending seqs that are mostly consecutive take about
// 130 KB. Adds at the top and removals at the bottom (the queue's usual
// pattern) are O(1); other positions cost a binary search over chunks.
//
// seqSet is not safe for concurrent use; its owner guards it.
type seqSet struct {
	chunks []*seqChunk // ascending by base
	n      int
}

// chunkPool holds emptied chunks for the next ones added, so that a set
// that empties and fills again (a lone producer's message, appended and
// finished; an attempt, then its ack) allocates none.
var chunkPool = sync.Pool{New: func() any { return new(seqChunk) }}

const (
	chunkShift = 12
	chunkWords = 1 << chunkShift / 64
)

type seqChunk struct {
	base uint64 // first seq of the chunk; a multiple of 4096
	n    int    // bits set
	lo   int    // no word below lo has a bit set
	bits [chunkWords]uint64
}

// newChunk returns an empty chunk for the seqs from base.
func newChunk(base uint64) *seqChunk {
	c := chunkPool.Get().(*seqChunk)
	c.base, c.n, c.lo = base, 0, chunkWords
	return c
}

// freeChunk returns c, whose bits are all clear, to the pool.
func freeChunk(c *seqChunk) { chunkPool.Put(c) }

// len returns the number of seqs in the set.
func (s *seqSet) len() int { return s.n }

// add inserts seq and reports whether it was absent.
func (s *seqSet) add(seq uint64) bool {
	base := seq &^ (1<<chunkShift - 1)
	var c *seqChunk
	switch i := s.search(base); {
	case i < len(s.chunks) && s.chunks[i].base == base:
		c = s.chunks[i]
	default:
		c = newChunk(base)
		s.chunks = append(s.chunks, nil)
		copy(s.chunks[i+1:], s.chunks[i:])
		s.chunks[i] = c
	}
	w, b := int(seq-base)/64, uint(seq-base)%64
	if c.bits[w]&(1<<b) != 0 {
		return false
	}
	c.bits[w] |= 1 << b
	c.n++
	c.lo = min(c.lo, w)
	s.n++
	return true
}

// remove deletes seq and reports whether it was present.
func (s *seqSet) remove(seq uint64) bool {
	base := seq &^ (1<<chunkShift - 1)
	i := s.search(base)
	if i == len(s.chunks) || s.chunks[i].base != base {
		return false
	}
	c := s.chunks[i]
	w, b := int(seq-base)/64, uint(seq-base)%64
	if c.bits[w]&(1<<b) == 0 {
		return false
	}
	c.bits[w] &^= 1 << b
	c.n--
	s.n--
	if c.n == 0 {
		freeChunk(c)
		s.chunks[i] = nil
		switch {
		case len(s.chunks) == 1:
			s.chunks = s.chunks[:0] // keeps the slice for the next add
		case i == 0:
			s.chunks = s.chunks[1:]
		default:
			s.chunks = append(s.chunks[:i], s.chunks[i+1:]...)
		}
	}
	return true
}

// has reports whether seq is in the set.
func (s *seqSet) has(seq uint64) bool {
	base := seq &^ (1<<chunkShift - 1)
	i := s.search(base)
	if i == len(s.chunks) || s.chunks[i].base != base {
		return false
	}
	off := seq - base
	return s.chunks[i].bits[off/64]&(1<<(off%64)) != 0
}

// min returns the smallest seq in the set; ok is false when it is empty.
func (s *seqSet) min() (seq uint64, ok bool) {
	if s.n == 0 {
		return 0, false
	}
	c := s.chunks[0]
	for c.bits[c.lo] == 0 {
		c.lo++
	}
	return c.base + uint64(c.lo*64+bits.TrailingZeros64(c.bits[c.lo])), true
}

// search returns the index of the first chunk whose base is >= base,
// checking the ends first: that is where queues add and remove.
func (s *seqSet) search(base uint64) int {
	n := len(s.chunks)
	switch {
	case n == 0 || s.chunks[0].base >= base:
		return 0
	case s.chunks[n-1].base == base:
		return n - 1
	case s.chunks[n-1].base < base:
		return n
	}
	return sort.Search(n, func(i int) bool { return s.chunks[i].base >= base })
}

// addRange inserts every seq of [from, to), a word at a time: the restart
// of a long queue fills its set from counts, not from each seq.
func (s *seqSet) addRange(from, to uint64) {
	for from < to {
		base := from &^ (1<<chunkShift - 1)
		end := min(to, base+1<<chunkShift)
		i := s.search(base)
		if i == len(s.chunks) || s.chunks[i].base != base {
			s.chunks = append(s.chunks, nil)
			copy(s.chunks[i+1:], s.chunks[i:])
			s.chunks[i] = newChunk(base)
		}
		c := s.chunks[i]
		for lo := from; lo < end; {
			w, b := int(lo-base)/64, uint(lo-base)%64
			n := min(uint64(64-b), end-lo) // bits of word w to set
			mask := (^uint64(0) >> (64 - n)) << b
			added := bits.OnesCount64(mask &^ c.bits[w])
			c.bits[w] |= mask
			c.n += added
			s.n += added
			c.lo = min(c.lo, w)
			lo += n
		}
		from = end
	}
}

// removeRange deletes every seq of [from, to), a word at a time, and
// returns how many it held.
func (s *seqSet) removeRange(from, to uint64) int {
	removed := 0
	i := s.search(from &^ (1<<chunkShift - 1))
	for i < len(s.chunks) && s.chunks[i].base < to {
		c := s.chunks[i]
		lo, hi := max(from, c.base), min(to, c.base+1<<chunkShift)
		n := 0
		for seq := lo; seq < hi; {
			w, b := int(seq-c.base)/64, uint(seq-c.base)%64
			k := min(uint64(64-b), hi-seq) // bits of word w to clear
			mask := (^uint64(0) >> (64 - k)) << b
			n += bits.OnesCount64(mask & c.bits[w])
			c.bits[w] &^= mask
			seq += k
		}
		c.n -= n
		s.n -= n
		removed += n
		if c.n == 0 {
			freeChunk(c)
			s.chunks = append(s.chunks[:i], s.chunks[i+1:]...)
			continue
		}
		i++
	}
	return removed
}
