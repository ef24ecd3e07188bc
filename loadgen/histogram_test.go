package loadgen_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/loadgen"
)

// precision is the relative error Quantile promises.
const precision = 0.01

// exactQuantile is the nearest-rank quantile of sorted samples.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}

func TestHistogramQuantilesOfKnownDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		gen  func() time.Duration
	}{
		{"uniform 1µs..1ms", func() time.Duration { return time.Microsecond + time.Duration(rng.Int64N(int64(time.Millisecond))) }},
		{"exponential mean 50µs", func() time.Duration {
			return time.Microsecond + time.Duration(rng.ExpFloat64()*float64(50*time.Microsecond))
		}},
		{"log-uniform 1µs..60s", func() time.Duration {
			return time.Duration(math.Exp(math.Log(1e3) + rng.Float64()*(math.Log(60e9)-math.Log(1e3))))
		}},
		{"bimodal 30µs and 4ms", func() time.Duration {
			if rng.IntN(10) == 0 {
				return 4*time.Millisecond + time.Duration(rng.Int64N(int64(100*time.Microsecond)))
			}
			return 30*time.Microsecond + time.Duration(rng.Int64N(int64(time.Microsecond)))
		}},
		{"constant 127µs", func() time.Duration { return 127 * time.Microsecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h loadgen.Histogram
			samples := make([]time.Duration, 100_000)
			var sum float64
			for i := range samples {
				samples[i] = tt.gen()
				h.Record(samples[i])
				sum += float64(samples[i])
			}
			slices.Sort(samples)
			for _, q := range []float64{0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999} {
				want := exactQuantile(samples, q)
				if got := h.Quantile(q); !within(got, want, precision) {
					t.Errorf("Quantile(%v) = %v, want %v ±1%%", q, got, want)
				}
			}
			if got := h.Count(); got != uint64(len(samples)) {
				t.Errorf("Count = %d, want %d", got, len(samples))
			}
			if got, want := h.Min(), samples[0]; got != want {
				t.Errorf("Min = %v, want %v", got, want)
			}
			if got, want := h.Max(), samples[len(samples)-1]; got != want {
				t.Errorf("Max = %v, want %v", got, want)
			}
			if got, want := h.Mean(), time.Duration(sum/float64(len(samples))); got-want < -1 || got-want > 1 {
				t.Errorf("Mean = %v, want %v", got, want)
			}
			if h.Quantile(0) != h.Min() || h.Quantile(1) != h.Max() {
				t.Errorf("Quantile(0), Quantile(1) = %v, %v, want Min %v, Max %v", h.Quantile(0), h.Quantile(1), h.Min(), h.Max())
			}
		})
	}
}

// TestHistogramPrecisionAcrossRange checks the bucket precision at every
// scale: the median of a spread-out set is one bucket's middle.
func TestHistogramPrecisionAcrossRange(t *testing.T) {
	for v := time.Microsecond; v <= loadgen.MaxValue; v = v*21/20 + 1 {
		var h loadgen.Histogram
		h.Record(0)
		h.Record(v)
		h.Record(v)
		h.Record(2 * loadgen.MaxValue)
		if got := h.Quantile(0.5); !within(got, v, precision) {
			t.Fatalf("median of {0, %v, %v, 2×MaxValue} = %v, want %v ±1%%", v, v, got, v)
		}
	}
}

func TestHistogramMergeEqualsRecordingAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all, a, b, empty loadgen.Histogram
	for i := range 50_000 {
		d := time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond))
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged loadgen.Histogram
	merged.Merge(&empty)
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(&empty)
	if merged.Count() != all.Count() || merged.Min() != all.Min() || merged.Max() != all.Max() {
		t.Fatalf("merged count/min/max = %d/%v/%v, want %d/%v/%v",
			merged.Count(), merged.Min(), merged.Max(), all.Count(), all.Min(), all.Max())
	}
	if d := merged.Mean() - all.Mean(); d < -1 || d > 1 {
		t.Errorf("merged Mean = %v, want %v", merged.Mean(), all.Mean())
	}
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 0.999} {
		if got, want := merged.Quantile(q), all.Quantile(q); got != want {
			t.Errorf("merged Quantile(%v) = %v, want %v", q, got, want)
		}
	}
}

func TestHistogramEdgeCases(t *testing.T) {
	var h loadgen.Histogram
	if h.Count() != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 || h.Quantile(0.5) != 0 {
		t.Fatalf("empty histogram: count %d min %v max %v mean %v p50 %v, want all zero",
			h.Count(), h.Min(), h.Max(), h.Mean(), h.Quantile(0.5))
	}
	h.Record(-time.Second) // counts as zero
	h.Record(2 * time.Minute)
	if h.Min() != 0 || h.Max() != 2*time.Minute || h.Count() != 2 {
		t.Errorf("after -1s and 2m: min %v max %v count %d, want 0, 2m0s, 2", h.Min(), h.Max(), h.Count())
	}
	if got := h.Quantile(1.5); got != 2*time.Minute {
		t.Errorf("Quantile(1.5) = %v, want the max", got)
	}
	if got := h.Quantile(math.NaN()); got != 0 {
		t.Errorf("Quantile(NaN) = %v, want the min", got)
	}
}

// BenchmarkHistogramRecord measures the cost the load generator adds to
// each operation.
func BenchmarkHistogramRecord(b *testing.B) {
	var h loadgen.Histogram
	d := 37 * time.Microsecond
	for b.Loop() {
		h.Record(d)
		d = d*33/32 + 1
		if d > time.Second {
			d = time.Microsecond
		}
	}
}
