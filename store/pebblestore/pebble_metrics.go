package pebblestore

import (
	"github.com/cockroachdb/pebble/v2"
	dto "github.com/prometheus/client_model/go"
	"github.com/teonet-go/teomq/store"
)

var _ store.MetricsReporter = (*PebbleStore)(nil)

// Metrics returns the store's size on disk and the engine's counts of its
// log syncs. It costs one read of the engine's metrics. Safe for
// concurrent use. After Close only SyncMessages is reported.
func (s *PebbleStore) Metrics() store.Metrics {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.Metrics{SyncMessages: s.syncMessages.snapshot()}
	}
	s.writers.Add(1) // Close waits for it before closing the engine
	s.mu.Unlock()
	defer s.writers.Done()
	m := s.db.Metrics()
	return store.Metrics{
		DiskBytes:    m.DiskSpaceUsage(),
		SyncSeconds:  syncSeconds(m),
		SyncMessages: s.syncMessages.snapshot(),
	}
}

// syncBounds are the upper bounds, in seconds, of the buckets of
// Metrics.SyncSeconds: each reported bucket is the engine's bucket with
// the largest bound at or below one of these, so that its count is exact.
var syncBounds = []float64{0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// syncSeconds converts the engine's histogram of log sync latencies, in
// nanoseconds with a hundred buckets, to seconds and fewer buckets.
func syncSeconds(m *pebble.Metrics) store.Histogram {
	h := m.LogWriter.FsyncLatency
	if h == nil {
		return store.Histogram{}
	}
	var d dto.Metric
	if h.Write(&d) != nil || d.Histogram == nil {
		return store.Histogram{}
	}
	src := d.Histogram
	out := store.Histogram{Count: src.GetSampleCount(), Sum: src.GetSampleSum() / 1e9}
	j := 0
	for _, want := range syncBounds {
		var pick *dto.Bucket
		for ; j < len(src.Bucket) && src.Bucket[j].GetUpperBound()/1e9 <= want*(1+1e-9); j++ {
			pick = src.Bucket[j]
		}
		if pick != nil && pick.GetUpperBound() > 0 {
			out.Buckets = append(out.Buckets, store.Bucket{UpperBound: pick.GetUpperBound() / 1e9, Count: pick.GetCumulativeCount()})
		}
	}
	return out
}
