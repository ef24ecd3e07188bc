package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"slices"
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
	rounds   int       // runs of each side per row
	progress io.Writer // a terminal for progress bars, or nil
	log      io.Writer // one line per finished run
	shared   *sharedCluster
}

// comparison is a row's outcome: nil results for a side not run.
type comparison struct {
	row   row
	teomq *loadgen.Result
	nats  *loadgen.Result
	base  *loadgen.Result // the row's base system, run with the teomq side
}

// runRow runs r against teomq (and its base system, if any), then NATS,
// each on a fresh instance, rounds times; each side's result is its run of
// median throughput. Alternating the sides round by round spreads a noisy
// neighbour's bursts over all.
func runRow(ctx context.Context, r row, s settings) (comparison, error) {
	c := comparison{row: r}
	var ours, theirs, base []*loadgen.Result
	for range max(s.rounds, 1) {
		if s.side != sideNATS {
			res, err := runSide(ctx, r, r.teomq, s)
			if err != nil {
				return c, err
			}
			ours = append(ours, res)
		}
		if s.side != sideNATS && r.base != nil {
			res, err := runSide(ctx, r, *r.base, s)
			if err != nil {
				return c, err
			}
			base = append(base, res)
		}
		if s.side != sideTeomq {
			res, err := runSide(ctx, r, r.nats, s)
			if err != nil {
				return c, err
			}
			theirs = append(theirs, res)
		}
	}
	c.teomq, c.nats, c.base = medianRun(ours), medianRun(theirs), medianRun(base)
	return c, nil
}

// medianRun returns the run of median throughput (the lower middle one of
// an even count), or nil for no runs.
func medianRun(runs []*loadgen.Result) *loadgen.Result {
	if len(runs) == 0 {
		return nil
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b *loadgen.Result) int { return cmp.Compare(a.Throughput, b.Throughput) })
	return sorted[(len(sorted)-1)/2]
}

// runSide runs r's load against a fresh instance of sys.
func runSide(ctx context.Context, r row, sys system, s settings) (*loadgen.Result, error) {
	runtime.GC() // leave the previous run's garbage behind
	target, err := sys.open(ctx, s.shared)
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", r.id, sys.name, err)
	}
	cfg := r.cfg
	cfg.Label, cfg.Duration, cfg.Progress = sys.name, s.duration, s.progress
	if cfg.Size == 0 {
		cfg.Size = s.size
	}
	var res loadgen.Result
	cpu0 := processCPU()
	// The load's own goroutines (the clients) carry run=<system> in a
	// -cpuprofile; the brokers and servers carry theirs (cpuLabel).
	pprof.Do(ctx, pprof.Labels("run", sys.name), func(ctx context.Context) {
		res, err = loadgen.Run(ctx, target, cfg)
	})
	cpu := processCPU() - cpu0
	if cerr := target.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", r.id, sys.name, err)
	}
	fmt.Fprintf(s.log, "%-22s %-24s %9.0f msgs/s  p50 %-8s p99 %-8s cpu %s/msg\n", r.id, sys.name, res.Throughput,
		loadgen.FormatDuration(res.Hist.Quantile(0.5)), loadgen.FormatDuration(res.Hist.Quantile(0.99)),
		loadgen.FormatDuration(cpu/time.Duration(max(res.Msgs, 1))))
	return &res, nil
}
