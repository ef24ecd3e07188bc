package teomq

import (
	"sort"
	"sync/atomic"
	"time"
)

// Histogram is a cumulative histogram of durations, in seconds, as
// Prometheus histograms are: Buckets ascending, each counting the
// observations at or below its bound; Count includes those above the
// last one.
type Histogram struct {
	Count   uint64
	Sum     float64 // seconds
	Buckets []HistogramBucket
}

// HistogramBucket counts the observations at or below UpperBound.
type HistogramBucket struct {
	UpperBound float64 // seconds
	Count      uint64
}

// histogram counts durations in fixed buckets. Safe for concurrent use:
// observe and snapshot only add and load atomics.
type histogram struct {
	bounds   []float64       // upper bounds in seconds, ascending
	counts   []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	count    atomic.Uint64
	sumNanos atomic.Int64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// observe counts d in the first bucket whose bound is at or above it.
func (h *histogram) observe(d time.Duration) {
	h.counts[sort.SearchFloat64s(h.bounds, d.Seconds())].Add(1)
	h.sumNanos.Add(int64(d))
	h.count.Add(1)
}

// snapshot returns the cumulative counts; taken while observations go
// on, Count and Sum may include one that the buckets do not.
func (h *histogram) snapshot() Histogram {
	out := Histogram{Buckets: make([]HistogramBucket, len(h.bounds))}
	var cum uint64
	for i, ub := range h.bounds {
		cum += h.counts[i].Load()
		out.Buckets[i] = HistogramBucket{UpperBound: ub, Count: cum}
	}
	out.Count = max(h.count.Load(), cum+h.counts[len(h.bounds)].Load())
	out.Sum = time.Duration(h.sumNanos.Load()).Seconds()
	return out
}
