package pebblestore

import (
	"math"
	"sync/atomic"

	"github.com/teonet-go/teomq/store"
)

// countHistogram is a histogram of small counts with power-of-two bucket
// bounds: 0, 1, 2, 4 ... 1024. Observe is called from one goroutine at a
// time; snapshot from any, concurrently with it.
type countHistogram struct {
	buckets [countBuckets]atomic.Uint64 // not cumulative; the last one is +Inf
	sum     atomic.Uint64
	count   atomic.Uint64
}

// countBuckets is the number of buckets of a countHistogram: the bounds 0
// and 2^0 ... 2^10, and +Inf.
const countBuckets = 13

// bound is the upper bound of bucket i, which is not the last.
func (h *countHistogram) bound(i int) float64 {
	if i == 0 {
		return 0
	}
	return math.Ldexp(1, i-1)
}

func (h *countHistogram) observe(n uint64) {
	i := 0
	for i < countBuckets-1 && float64(n) > h.bound(i) {
		i++
	}
	h.buckets[i].Add(1)
	h.sum.Add(n)
	h.count.Add(1)
}

// snapshot returns the histogram's counts; taken while observations go on,
// Count and Sum may include one that the buckets do not.
func (h *countHistogram) snapshot() store.Histogram {
	out := store.Histogram{Buckets: make([]store.Bucket, countBuckets-1)}
	var cum uint64
	for i := range countBuckets - 1 {
		cum += h.buckets[i].Load()
		out.Buckets[i] = store.Bucket{UpperBound: h.bound(i), Count: cum}
	}
	out.Count = cum + h.buckets[countBuckets-1].Load()
	out.Sum = float64(h.sum.Load())
	return out
}
