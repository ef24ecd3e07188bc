package teomq

import (
	"reflect"
	"testing"
	"time"
)

// A histogram counts each duration in the first bucket whose bound is at
// or above it, reports the buckets cumulatively as Prometheus does, and
// counts those past the last bound in Count only.
func TestHistogramBuckets(t *testing.T) {
	h := newHistogram([]float64{0.001, 0.01, 1})
	for _, d := range []time.Duration{
		500 * time.Microsecond, time.Millisecond, // at or below 1 ms
		5 * time.Millisecond,         // below 10 ms
		time.Second,                  // on the last bound
		2 * time.Second, time.Minute, // past it
	} {
		h.observe(d)
	}
	got := h.snapshot()
	want := Histogram{
		Count: 6,
		Sum:   (500*time.Microsecond + time.Millisecond + 5*time.Millisecond + 3*time.Second + time.Minute).Seconds(),
		Buckets: []HistogramBucket{
			{UpperBound: 0.001, Count: 2},
			{UpperBound: 0.01, Count: 3},
			{UpperBound: 1, Count: 4},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshot\n got %+v\nwant %+v", got, want)
	}
}
