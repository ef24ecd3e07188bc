package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// MaxValue is the largest latency a Histogram tells apart; larger ones
// count in its last bucket (Max still reports them exactly).
const MaxValue = 60 * time.Second

// Histogram layout: values are nanoseconds. Values below subBuckets land in
// one bucket per nanosecond; above, each power of two [2^k, 2^(k+1)) is cut
// into subBuckets/2 equal buckets, so a bucket is at most 1/128 of its
// values wide. Reporting a bucket's middle is then within 0.4% of every
// value in it. Values above MaxValue land in the last bucket.
const (
	subBits    = 8
	subBuckets = 1 << subBits // 256
	subHalf    = subBuckets / 2

	// maxExp is the exponent of MaxValue's highest set bit: 2^35 ns ≈ 34 s.
	maxExp = 35

	numBuckets = subBuckets + (maxExp-subBits+1)*subHalf
)

// Histogram counts latencies in log-linear buckets: fixed memory (about
// 30 KiB), 1% precision or better from 1µs to MaxValue, and no per-sample
// storage. Min, Max, Mean and Count are exact; Quantile is within the
// bucket precision.
//
// The zero value is an empty histogram ready to use. A Histogram is not
// safe for concurrent use: give each goroutine its own and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	n      uint64
	sum    float64 // nanoseconds
	min    time.Duration
	max    time.Duration
}

// bucketOf returns the bucket index of a value in nanoseconds.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	if v > uint64(MaxValue) {
		v = uint64(MaxValue)
	}
	shift := bits.Len64(v) - subBits // v>>shift is in [subHalf, subBuckets)
	return subBuckets + (shift-1)*subHalf + int(v>>shift) - subHalf
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (lo, width uint64) {
	if i < subBuckets {
		return uint64(i), 1
	}
	shift := (i-subBuckets)/subHalf + 1
	sub := uint64((i-subBuckets)%subHalf + subHalf)
	return sub << shift, 1 << shift
}

// Record adds one latency. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// Merge adds every latency recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns how many latencies were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Min returns the smallest latency recorded, or 0 when empty.
func (h *Histogram) Min() time.Duration { return h.min }

// Max returns the largest latency recorded, or 0 when empty.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the average latency, or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.n)))
}

// Quantile returns the latency below or at which a fraction q (0..1) of the
// recorded latencies lie: Quantile(0.99) is the p99. q outside 0..1 is
// clamped. It returns 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	switch {
	case q <= 0 || math.IsNaN(q):
		return h.min
	case q >= 1:
		return h.max
	}
	rank := uint64(math.Ceil(q * float64(h.n))) // 1-based rank of the sample
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, w := bucketRange(i)
			v := time.Duration(lo + w/2)
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}
