package store

import (
	"math"
	"sync/atomic"
)

// Metrics is what a store reports about itself, cheaply enough to ask at
// every scrape of the broker's metrics.
type Metrics struct {
	// DiskBytes is the space the store takes on disk: tables, write-ahead
	// logs (live and awaiting reuse), manifest and options.
	DiskBytes uint64
	// SyncSeconds is the duration of the write-ahead log's syncs.
	SyncSeconds Histogram
	// SyncMessages is how many messages each sync of the write-ahead log
	// made durable (DurabilitySync only: in DurabilityInterval nobody
	// waits for a sync). A sync that only carried acks counts 0. The
	// split is approximate (a write that starts just as a sync completes
	// may be counted with it); the sum is exact.
	SyncMessages Histogram
}

// MetricsReporter is a Store that reports Metrics.
type MetricsReporter interface {
	// Metrics returns the store's metrics. Safe for concurrent use,
	// also after Close.
	Metrics() Metrics
}

// Histogram is a cumulative histogram of observations.
type Histogram struct {
	Count   uint64
	Sum     float64
	Buckets []Bucket // ascending; the +Inf bucket is Count
}

// Bucket counts the observations at or below UpperBound.
type Bucket struct {
	UpperBound float64
	Count      uint64
}

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
func (h *countHistogram) snapshot() Histogram {
	out := Histogram{Buckets: make([]Bucket, countBuckets-1)}
	var cum uint64
	for i := range countBuckets - 1 {
		cum += h.buckets[i].Load()
		out.Buckets[i] = Bucket{UpperBound: h.bound(i), Count: cum}
	}
	out.Count = cum + h.buckets[countBuckets-1].Load()
	out.Sum = float64(h.sum.Load())
	return out
}
