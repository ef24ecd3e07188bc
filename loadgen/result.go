package loadgen

import "time"

// Result is what a run measured.
type Result struct {
	Mode      Mode
	Label     string
	Clients   int
	Consumers int
	Size      int // payload bytes
	// Msgs is the number of operations finished in the timed part: fewer
	// than Config.Msgs when Duration ended the run first.
	Msgs int
	// Elapsed is the length of the timed part.
	Elapsed time.Duration
	// Throughput is Msgs per second of Elapsed.
	Throughput float64
	// Hist holds each operation's latency: a round trip, a publish until
	// its confirm, or in ModeConsume the gap since the consumer's previous
	// message (or the start), which is no latency: the messages were
	// stored before the clock started.
	Hist *Histogram
	// Partial is set when the run was interrupted (Run returned
	// ErrInterrupted): Msgs, Elapsed and Hist cover the operations that
	// finished before.
	Partial bool
}

func newResult(cfg Config, h *Histogram, elapsed time.Duration) Result {
	r := Result{
		Mode:      cfg.Mode,
		Label:     cfg.Label,
		Clients:   cfg.Clients,
		Consumers: cfg.Consumers,
		Size:      cfg.Size,
		Msgs:      int(h.Count()),
		Elapsed:   elapsed,
		Hist:      h,
	}
	if elapsed > 0 {
		r.Throughput = float64(r.Msgs) / elapsed.Seconds()
	}
	return r
}
