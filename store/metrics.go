package store

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
