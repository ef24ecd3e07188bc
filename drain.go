package teomq

import (
	"context"

	"github.com/teonet-go/teomq/wire"
)

// Drain stops taking new messages (credit 0 at the broker), lets the
// handlers that run answer, then closes the client. Messages that reach the
// client after Drain began are not handled: the broker requeues them when
// the client closes. When ctx ends first Drain closes at once; unanswered
// messages are requeued by the broker.
func (c *Client) Drain(ctx context.Context) error {
	c.mu.Lock()
	subs := make([]*Subscription, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	ch := c.ch
	c.mu.Unlock()
	idle := make([]<-chan struct{}, 0, len(subs))
	for _, s := range subs {
		idle = append(idle, s.drain())
		if ch != nil {
			_ = ch.SendAppend((&wire.Credit{SubID: s.id, N: 0}).AppendTo)
		}
	}
	var err error
wait:
	for _, done := range idle {
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
			break wait
		}
	}
	// Answers are queued on the channel; Close flushes them.
	c.Close()
	return err
}

// drain makes s refuse further deliveries and returns a channel closed once
// none is queued or being handled.
func (s *Subscription) drain() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.credit = 0
	if s.drained == nil {
		s.drained = make(chan struct{})
		if s.pending == 0 {
			close(s.drained)
		}
	}
	return s.drained
}

// handled counts a delivery out once its handler has returned.
func (s *Subscription) handled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending--
	if s.pending == 0 && s.drained != nil {
		close(s.drained) // once: after drain began pending only falls
	}
}
