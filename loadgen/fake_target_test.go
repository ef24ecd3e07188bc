package loadgen_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/teonet-go/teomq/loadgen"
)

// memTarget is an in-memory Target: requests and sends succeed at once,
// unless failAfter operations happened; Fill queues messages that Consume
// hands out.
type memTarget struct {
	ops       atomic.Int64
	failAfter int64 // 0: never fail
	dropFill  bool  // Fill stores nothing, so consumers starve
	queue     chan []byte
	// cancel, if set, is called at the cancelAt-th operation or message
	// consumed.
	cancel   context.CancelFunc
	cancelAt int64
	ticks    atomic.Int64
}

var errInjected = errors.New("injected failure")

func newMemTarget(failAfter int64) *memTarget {
	return &memTarget{failAfter: failAfter, queue: make(chan []byte, 1<<16)}
}

func (t *memTarget) Connect(context.Context) (loadgen.Conn, error) {
	return &memConn{t: t, quit: make(chan struct{})}, nil
}

func (t *memTarget) Fill(ctx context.Context, n int, payload []byte) error {
	if t.dropFill {
		return nil
	}
	for range n {
		select {
		case t.queue <- payload:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (t *memTarget) Close() error { return nil }

func (t *memTarget) op() error {
	t.tick()
	if n := t.ops.Add(1); t.failAfter > 0 && n > t.failAfter {
		return errInjected
	}
	return nil
}

// tick counts an operation or a message consumed, for cancelAt, and
// reports whether the target's cancel was called.
func (t *memTarget) tick() bool {
	n := t.ticks.Add(1)
	if t.cancel != nil && n == t.cancelAt {
		t.cancel()
	}
	return t.cancel != nil && n >= t.cancelAt
}

type memConn struct {
	t         *memTarget
	quit      chan struct{}
	wg        sync.WaitGroup // the consume goroutine
	closeOnce sync.Once
}

func (c *memConn) Respond(context.Context) error             { return nil }
func (c *memConn) Request(_ context.Context, _ []byte) error { return c.t.op() }
func (c *memConn) Send(_ context.Context, _ []byte) error    { return c.t.op() }
func (c *memConn) Consume(_ context.Context, onMsg func()) error {
	c.wg.Add(1)
	go func() { // owned by the memConn; stopped by Close
		defer c.wg.Done()
		for {
			select {
			case <-c.t.queue:
				cancelled := c.t.tick()
				onMsg()
				if cancelled { // stop here, as if the consumer stalled
					<-c.quit
					return
				}
			case <-c.quit:
				return
			}
		}
	}()
	return nil
}

func (c *memConn) Close() error {
	c.closeOnce.Do(func() { close(c.quit) })
	c.wg.Wait()
	return nil
}
