package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/teonet-go/teomq/loadgen"
)

// Sides of a comparison that -side selects.
const (
	sideBoth  = "both"
	sideTeomq = "teomq"
	sideNATS  = "nats"
)

// settings are the knobs every row shares.
type settings struct {
	size     int
	duration time.Duration
	side     string
	progress io.Writer // a terminal for progress bars, or nil
	log      io.Writer // one line per finished run
}

// comparison is a row's outcome: nil results for a side not run.
type comparison struct {
	row   row
	teomq *loadgen.Result
	nats  *loadgen.Result
}

// runRow runs r against teomq, then NATS, each on a fresh instance.
func runRow(ctx context.Context, r row, s settings) (comparison, error) {
	c := comparison{row: r}
	var err error
	if s.side != sideNATS {
		if c.teomq, err = runSide(ctx, r, r.teomq, s); err != nil {
			return c, err
		}
	}
	if s.side != sideTeomq {
		if c.nats, err = runSide(ctx, r, r.nats, s); err != nil {
			return c, err
		}
	}
	return c, nil
}

// runSide runs r's load against a fresh instance of sys.
func runSide(ctx context.Context, r row, sys system, s settings) (*loadgen.Result, error) {
	runtime.GC() // leave the previous run's garbage behind
	target, err := sys.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", r.id, sys.name, err)
	}
	cfg := r.cfg
	cfg.Label, cfg.Size, cfg.Duration, cfg.Progress = sys.name, s.size, s.duration, s.progress
	res, err := loadgen.Run(ctx, target, cfg)
	if cerr := target.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", r.id, sys.name, err)
	}
	fmt.Fprintf(s.log, "%-18s %-18s %9.0f msgs/s  p50 %-8s p99 %s\n", r.id, sys.name, res.Throughput,
		loadgen.FormatDuration(res.Hist.Quantile(0.5)), loadgen.FormatDuration(res.Hist.Quantile(0.99)))
	return &res, nil
}
