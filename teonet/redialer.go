package teonet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultMinBackoff is RedialConfig.MinBackoff when it is 0.
	DefaultMinBackoff = 50 * time.Millisecond
	// DefaultMaxBackoff is RedialConfig.MaxBackoff when it is 0.
	DefaultMaxBackoff = 5 * time.Second

	// stableAfter is how long a channel must live for the backoff to
	// start over after it drops.
	stableAfter = time.Second
)

// RedialConfig configures a Redialer.
type RedialConfig struct {
	// Targets are the peers to keep a channel to, each as for Node.Dial,
	// in order of preference: the redialer dials the first, and after a
	// failed dial or a dropped channel the next one, in a ring. Peers that
	// serve the same clients (brokers of one cluster) fail over to each
	// other this way. At least one is required.
	Targets []string

	// Serve is called in the redialer's goroutine with each new channel
	// and must return once ch is done; typically it runs the read loop.
	// Its ctx is canceled when the Redialer closes, which also closes ch.
	// The redialer closes ch after Serve returns, then redials. A nil
	// Serve reads and discards frames.
	Serve func(ctx context.Context, ch *Channel)

	// OnEvent, if set, is called from the redialer's goroutine on each
	// connect, disconnect and failed dial. It must not block for long.
	OnEvent func(Event)

	// MinBackoff is the first backoff cap; 0 means DefaultMinBackoff.
	MinBackoff time.Duration

	// MaxBackoff caps the backoff; 0 means DefaultMaxBackoff. Each wait is
	// drawn uniformly from [0, min(MaxBackoff, MinBackoff*2^(n-1))] after
	// n consecutive failures ("full jitter").
	MaxBackoff time.Duration
}

// EventKind is the kind of a redialer Event.
type EventKind uint8

// Kinds of Event.
const (
	// EventConnected reports a new channel, before Serve is called.
	EventConnected EventKind = iota + 1
	// EventDisconnected reports that a channel closed; Err is its cause.
	EventDisconnected
	// EventDialFailed reports a failed dial; Err says why.
	EventDialFailed
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventConnected:
		return "connected"
	case EventDisconnected:
		return "disconnected"
	case EventDialFailed:
		return "dial failed"
	}
	return "unknown"
}

// Event reports a change of a Redialer's connection.
type Event struct {
	Kind    EventKind
	Peer    string // the address of the target dialed
	Target  string // that target, as given in RedialConfig.Targets
	Err     error  // the cause of a disconnect or a failed dial
	Attempt int    // dials since the last stable channel, this one included
}

// Redialer keeps a channel to one of its targets open: it dials, runs
// Serve, and after the channel drops dials the next target; once every
// target failed in a row it waits a capped exponential backoff with full
// jitter before the next round, until closed. Its goroutine is started by Node.Redial and
// stopped by Close. A Redialer is safe for concurrent use.
type Redialer struct {
	node *Node
	cfg  RedialConfig
	log  *slog.Logger

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine has returned

	mu      sync.Mutex    // guards cur, changed and err
	cur     *Channel      // the live channel, or nil
	changed chan struct{} // closed and replaced when cur or err changes
	err     error         // why the redialer stopped; nil while it runs
}

// Redial starts a Redialer for cfg. No target, or a target that does not
// parse, stops it at once: WaitConnected returns the error (matching
// ErrBadTarget or ErrBadAddress), and OnEvent gets an EventDialFailed with
// it. On a closed node, WaitConnected returns
// ErrNodeClosed.
func (n *Node) Redial(cfg RedialConfig) *Redialer {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Serve == nil {
		cfg.Serve = discardFrames
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Redialer{
		node:    n,
		cfg:     cfg,
		log:     n.log.With("redial", strings.Join(cfg.Targets, ",")),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		r.stop(ErrNodeClosed)
		close(r.done)
		return r
	}
	n.redialers[r] = struct{}{}
	n.mu.Unlock()
	go r.run()
	return r
}

// discardFrames is the Serve of a RedialConfig without one.
func discardFrames(_ context.Context, ch *Channel) {
	for {
		if _, err := ch.Recv(); err != nil {
			return
		}
	}
}

// Current returns the live channel, or nil between channels.
func (r *Redialer) Current() *Channel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// WaitConnected waits until a live channel exists and returns it. It
// returns ctx's error if ctx ends first, ErrRedialerClosed after Close,
// ErrNodeClosed after Node.Close, and the target's error if it does not
// parse.
func (r *Redialer) WaitConnected(ctx context.Context) (*Channel, error) {
	for {
		r.mu.Lock()
		cur, changed, err := r.cur, r.changed, r.err
		r.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if cur != nil && cur.Err() == nil {
			return cur, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close stops redialing, closes the live channel and waits for the
// redialer's goroutine to return. It is safe to call more than once, but
// not from Serve or OnEvent, which run on that goroutine.
func (r *Redialer) Close() error {
	r.cancel()
	if c := r.Current(); c != nil {
		c.Close()
	}
	<-r.done
	r.node.mu.Lock()
	delete(r.node.redialers, r)
	r.node.mu.Unlock()
	return nil
}

// run is the redialer's goroutine, started by Node.Redial and ended by
// Close (or targets that cannot be dialed ever).
func (r *Redialer) run() {
	defer close(r.done)
	defer r.stop(ErrRedialerClosed)
	addrs, err := parseTargets(r.cfg.Targets)
	if err != nil {
		r.emit(Event{Kind: EventDialFailed, Peer: strings.Join(r.cfg.Targets, ","), Err: err, Attempt: 1})
		r.stop(err)
		return
	}
	var (
		next   int // the target to dial next
		tried  int // targets that failed since the last round's backoff
		rounds int // rounds in which every target failed, since the last stable channel
		dials  int // dials since the last stable channel
	)
	// failed counts one target's failure and waits the backoff once every
	// target failed in a row.
	failed := func() {
		next = (next + 1) % len(addrs)
		if tried++; tried >= len(addrs) {
			tried = 0
			rounds++
			r.sleep(rounds)
		}
	}
	for r.ctx.Err() == nil {
		dials++
		target, addr := r.cfg.Targets[next], addrs[next]
		c, err := r.node.Dial(r.ctx, target)
		if err != nil {
			if r.ctx.Err() != nil {
				return
			}
			r.emit(Event{Kind: EventDialFailed, Peer: addr, Target: target, Err: err, Attempt: dials})
			if errors.Is(err, ErrNodeClosed) {
				r.stop(err)
				return
			}
			failed()
			continue
		}
		if !r.setCurrent(c) {
			c.Close()
			return
		}
		r.emit(Event{Kind: EventConnected, Peer: addr, Target: target, Attempt: dials})
		start := time.Now()
		r.cfg.Serve(r.ctx, c)
		c.Close()
		r.setCurrent(nil)
		r.emit(Event{Kind: EventDisconnected, Peer: addr, Target: target, Err: c.Err(), Attempt: dials})
		if time.Since(start) > stableAfter {
			tried, rounds, dials = 0, 0, 0
		}
		failed()
	}
}

// parseTargets returns the addresses of targets, or the first one's error.
func parseTargets(targets []string) ([]string, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no target", ErrBadTarget)
	}
	addrs := make([]string, len(targets))
	for i, t := range targets {
		addr, _, err := ParseTarget(t)
		if err != nil {
			return nil, err
		}
		addrs[i] = addr
	}
	return addrs, nil
}

// setCurrent publishes c as the live channel. It refuses a new channel once
// Close has begun, so that Close either sees the channel or Serve never
// runs.
func (r *Redialer) setCurrent(c *Channel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c != nil && r.ctx.Err() != nil {
		return false
	}
	r.cur = c
	close(r.changed)
	r.changed = make(chan struct{})
	return true
}

// stop records why the redialer stopped, keeping the first reason.
func (r *Redialer) stop(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	r.err = err
	close(r.changed)
	r.changed = make(chan struct{})
}

// sleep waits the backoff after failure number attempt, or until Close.
func (r *Redialer) sleep(attempt int) {
	limit := r.cfg.MinBackoff << min(attempt-1, 32)
	if limit <= 0 || limit > r.cfg.MaxBackoff {
		limit = r.cfg.MaxBackoff
	}
	sleepCtx(r.ctx, rand.N(limit+1))
}

// emit logs ev and passes it to OnEvent.
func (r *Redialer) emit(ev Event) {
	r.log.Debug("teonet: redialer", "event", ev.Kind.String(), "attempt", ev.Attempt, "err", ev.Err)
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(ev)
	}
}
