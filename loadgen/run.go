package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Run runs the load cfg describes against t and returns what it measured.
// Connections are opened (and, in ModeConsume, the messages stored) before
// the clock starts; Run closes its connections before it returns but not t.
// A failed operation ends the run with its error. When ctx ends during the
// timed part, Run returns what was measured until then, marked Partial,
// with an error matching ErrInterrupted; before it, a Result with no
// operations and that error.
func Run(ctx context.Context, t Target, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	payload := makePayload(cfg.Size)
	var res Result
	switch cfg.Mode {
	case ModeRequest:
		res, err = runRequest(ctx, t, cfg, payload)
	case ModeSend:
		res, err = runClients(ctx, t, cfg, func(ctx context.Context, c Conn) error {
			return c.Send(ctx, payload)
		})
	case ModeConsume:
		res, err = runConsume(ctx, t, cfg, payload)
	}
	if err != nil && ctx.Err() != nil {
		if res.Hist == nil {
			res = newResult(cfg, &Histogram{}, 0)
		}
		res.Partial = true
		return res, fmt.Errorf("loadgen: %s %s: %w: %w", cfg.Label, cfg.Mode, ErrInterrupted, context.Cause(ctx))
	}
	if err != nil {
		return Result{}, fmt.Errorf("loadgen: %s %s: %w", cfg.Label, cfg.Mode, err)
	}
	return res, nil
}

// makePayload returns size bytes of a repeating pattern.
func makePayload(size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return p
}

// runRequest starts the responders, then the requesting clients.
func runRequest(ctx context.Context, t Target, cfg Config, payload []byte) (Result, error) {
	responders, err := connectAll(ctx, t, cfg.Consumers)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(responders)
	for i, r := range responders {
		if err := r.Respond(ctx); err != nil {
			return Result{}, fmt.Errorf("responder %d: %w", i, err)
		}
	}
	return runClients(ctx, t, cfg, func(ctx context.Context, c Conn) error {
		return c.Request(ctx, payload)
	})
}

// runClients runs op on cfg.Clients connections at once until cfg.Msgs
// operations are done or cfg.Duration passed, timing each.
func runClients(ctx context.Context, t Target, cfg Config, op func(context.Context, Conn) error) (Result, error) {
	conns, err := connectAll(ctx, t, cfg.Clients)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(conns)

	var (
		claimed  atomic.Int64 // operations started
		done     atomic.Int64 // operations finished, for the progress bar
		failed   atomic.Bool  // set at the first error: the others stop
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	hists := make([]Histogram, len(conns))
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, deadline.Add(cfg.Timeout))
	defer cancel()
	bar := startProgress(cfg.Progress, cfg, start, &done)
	for i, c := range conns {
		wg.Add(1)
		go func() { // owned by runClients: ends at the count, the deadline or the first error
			defer wg.Done()
			h := &hists[i]
			for claimed.Add(1) <= int64(cfg.Msgs) && !failed.Load() && runCtx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				if err := op(runCtx, c); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("client %d: %w", i, err) })
					failed.Store(true)
					cancel()
					return
				}
				h.Record(time.Since(t0))
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	bar.stop()
	var all Histogram
	for i := range hists {
		all.Merge(&hists[i])
	}
	res := newResult(cfg, &all, elapsed)
	if err := ctx.Err(); err != nil && res.Msgs < cfg.Msgs {
		return res, err // interrupted: what finished before counts
	}
	if firstErr != nil {
		return Result{}, firstErr
	}
	return res, nil
}

// consumerStats times the gaps between one consumer's messages.
type consumerStats struct {
	mu      sync.Mutex // guards the fields below
	last    time.Time
	hist    Histogram
	stopped bool
}

// runConsume fills the target, then drains it with cfg.Consumers
// consumers. A consumer's latency is the gap between its messages.
func runConsume(ctx context.Context, t Target, cfg Config, payload []byte) (Result, error) {
	fillCtx, cancelFill := context.WithTimeout(ctx, cfg.FillTimeout)
	err := t.Fill(fillCtx, cfg.Msgs, payload)
	cancelFill()
	if err != nil {
		return Result{}, fmt.Errorf("fill %d messages: %w", cfg.Msgs, err)
	}
	conns, err := connectAll(ctx, t, cfg.Consumers)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(conns)

	var (
		got     atomic.Int64
		endOnce sync.Once
		end     time.Time
		all     = make(chan struct{}) // closed at the Msgs-th message
	)
	stats := make([]consumerStats, len(conns))
	start := time.Now()
	bar := startProgress(cfg.Progress, cfg, start, &got)
	for i, c := range conns {
		s := &stats[i]
		s.last = start
		onMsg := func() {
			s.mu.Lock()
			if s.stopped {
				s.mu.Unlock()
				return
			}
			now := time.Now()
			s.hist.Record(now.Sub(s.last))
			s.last = now
			s.mu.Unlock()
			if got.Add(1) == int64(cfg.Msgs) {
				endOnce.Do(func() { end = now; close(all) })
			}
		}
		if err := c.Consume(ctx, onMsg); err != nil {
			bar.stop()
			return Result{}, fmt.Errorf("consumer %d: %w", i, err)
		}
	}
	timer := time.NewTimer(cfg.Duration)
	defer timer.Stop()
	var interrupted error
	select {
	case <-all:
	case <-timer.C:
	case <-ctx.Done(): // what arrived before counts
		interrupted = ctx.Err()
	}
	endOnce.Do(func() { end = time.Now() })
	var h Histogram
	for i := range stats {
		s := &stats[i]
		s.mu.Lock()
		s.stopped = true
		h.Merge(&s.hist)
		s.mu.Unlock()
	}
	bar.stop()
	return newResult(cfg, &h, end.Sub(start)), interrupted
}

// connectAll opens n connections at once; on an error it closes those
// that opened.
func connectAll(ctx context.Context, t Target, n int) ([]Conn, error) {
	conns := make([]Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { // owned by connectAll, which waits for it
			defer wg.Done()
			conns[i], errs[i] = t.Connect(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(conns)
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conns, nil
}

// closeAll closes every non-nil connection.
func closeAll(conns []Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
