package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/internal/memstat"
)

// Bounds of one side of the backlog comparison.
const (
	// backlogPayload is the size of every pending message.
	backlogPayload = 128
	// backlogDrain is how many messages the drain rate is measured over,
	// from the first delivery on (fewer when the backlog is smaller).
	backlogDrain = 100_000
	// backlogFirstTimeout bounds the wait for the first delivery after a
	// restart, and backlogDrainTimeout the drain.
	backlogFirstTimeout = 2 * time.Minute
	backlogDrainTimeout = 2 * time.Minute
)

// backlogSide is one system in the backlog comparison. Its methods are
// called from one goroutine, in order: fill, stop, restart, close.
type backlogSide interface {
	// name says what the side is and what it promises.
	name() string
	// fill starts the server on its data directory and stores n pending
	// messages of size bytes with no consumer.
	fill(ctx context.Context, n, size int) error
	// stop stops the server and every client, keeping the data directory.
	stop() error
	// restart starts the server on the data directory and a consumer that
	// calls onMsg for each message it receives, from any goroutine.
	restart(ctx context.Context, onMsg func()) error
	// close stops what runs and removes the data directory. Safe to call
	// twice.
	close() error
}

// backlogResult is what one round of one side measured.
type backlogResult struct {
	fill       time.Duration // storing the backlog
	rssStopped int64         // process RSS with the server stopped, bytes
	first      time.Duration // restart call to the first delivery
	rssGrowth  int64         // RSS growth from stopped to first delivery
	drained    int           // messages counted for the drain rate
	drainRate  float64       // msgs/s from the first delivery on
}

// measureBacklog fills side with n pending messages, restarts it and
// measures the restart. It closes side.
func measureBacklog(ctx context.Context, side backlogSide, n int) (res backlogResult, err error) {
	defer func() {
		if cerr := side.close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	start := time.Now()
	if err := side.fill(ctx, n, backlogPayload); err != nil {
		return res, fmt.Errorf("%s: fill: %w", side.name(), err)
	}
	res.fill = time.Since(start)
	if err := side.stop(); err != nil {
		return res, fmt.Errorf("%s: stop: %w", side.name(), err)
	}
	res.rssStopped = settledRSS()

	drain := int64(min(n, backlogDrain))
	var got atomic.Int64
	first := make(chan time.Time, 1)
	done := make(chan time.Time, 1)
	onMsg := func() {
		k := got.Add(1)
		if k == 1 {
			first <- time.Now()
		}
		if k == drain {
			done <- time.Now()
		}
	}
	start = time.Now()
	if err := side.restart(ctx, onMsg); err != nil {
		return res, fmt.Errorf("%s: restart: %w", side.name(), err)
	}
	t1, err := await(ctx, first, backlogFirstTimeout)
	if err != nil {
		return res, fmt.Errorf("%s: first delivery: %w", side.name(), err)
	}
	res.first = t1.Sub(start)
	res.rssGrowth = settledRSS() - res.rssStopped
	t2, err := await(ctx, done, backlogDrainTimeout)
	if err != nil {
		return res, fmt.Errorf("%s: drain of %d: %w", side.name(), drain, err)
	}
	res.drained = int(drain)
	if d := t2.Sub(t1); drain > 1 && d > 0 {
		res.drainRate = float64(drain-1) / d.Seconds()
	}
	return res, nil
}

// await returns the time sent on ch, or an error when ctx ends or timeout
// passes first.
func await(ctx context.Context, ch <-chan time.Time, timeout time.Duration) (time.Time, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case t := <-ch:
		return t, nil
	case <-timer.C:
		return time.Time{}, fmt.Errorf("%w after %v", errTimeout, timeout)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// settledRSS returns the process's resident set after a GC that returns
// freed memory to the OS.
func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return memstat.RSS()
}
