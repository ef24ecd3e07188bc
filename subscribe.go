package teomq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/teonet-go/teomq/wire"
)

// Subscription is a client's registration for one command. Its handler runs
// on the subscription's own goroutines, Concurrency at a time.
type Subscription struct {
	c       *Client
	id      uint32
	command string
	opts    subscribeOptions
	handler Handler

	queue chan *delivery // deliveries for the workers; cap = credit
	ack   chan error     // the broker's answer to the first Subscribe

	mu      sync.Mutex // guards credit, acked1, stopped and sending on queue
	credit  int
	acked1  bool
	stopped bool

	workers  sync.WaitGroup // the worker goroutines
	inFlight sync.WaitGroup // deliveries queued or being handled, for Drain
}

// delivery is one message handed to a worker.
type delivery struct {
	msg      Message
	deadline int64
}

// Subscribe registers h for command and returns once the broker has
// registered the subscription: a message sent after it returns reaches it.
// Messages already queued for the command's group start arriving at once.
func (c *Client) Subscribe(command string, h Handler, opts ...SubscribeOption) (*Subscription, error) {
	o := subscribeOptions{concurrency: 1}
	for _, opt := range opts {
		opt(&o)
	}
	if o.concurrency < 1 {
		return nil, fmt.Errorf("teomq: subscribe %q: concurrency %d: must be at least 1", command, o.concurrency)
	}
	if h == nil {
		return nil, fmt.Errorf("teomq: subscribe %q: nil handler", command)
	}
	if command == "" {
		return nil, fmt.Errorf("teomq: subscribe: empty command: %w", ErrBadName)
	}
	s := &Subscription{
		c:       c,
		command: command,
		opts:    o,
		handler: h,
		queue:   make(chan *delivery, o.concurrency),
		ack:     make(chan error, 1),
		credit:  o.concurrency,
	}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.nextSub++
	s.id = c.nextSub
	c.subs[s.id] = s
	ch := c.ch
	c.mu.Unlock()

	s.workers.Add(o.concurrency)
	for range o.concurrency {
		go s.work() // owned by the Subscription; stopped by stop()
	}
	if ch != nil {
		_ = ch.SendAppend(s.subscribeFrame().AppendTo)
	}
	select {
	case err := <-s.ack:
		if err != nil {
			c.removeSub(s)
			s.stop()
			return nil, fmt.Errorf("teomq: subscribe %q: %w", command, err)
		}
		return s, nil
	case <-c.ctx.Done():
		return nil, ErrClosed
	}
}

// Command returns the subscription's command.
func (s *Subscription) Command() string { return s.command }

// Unsubscribe ends the subscription: the broker requeues the messages it
// has not answered, and its handlers' contexts stay valid until they return.
// Safe to call twice.
func (s *Subscription) Unsubscribe() error {
	if !s.c.removeSub(s) {
		return nil
	}
	s.c.mu.Lock()
	ch := s.c.ch
	s.c.mu.Unlock()
	if ch != nil {
		_ = ch.SendAppend((&wire.Unsubscribe{SubID: s.id}).AppendTo)
	}
	s.stop()
	return nil
}

// removeSub forgets s; it reports whether s was registered.
func (c *Client) removeSub(s *Subscription) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[s.id] != s {
		return false
	}
	delete(c.subs, s.id)
	return true
}

// stop ends the workers once their current messages are handled.
func (s *Subscription) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		close(s.queue)
	}
}

func (s *Subscription) subscribeFrame() *wire.Subscribe {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &wire.Subscribe{
		SubID:     s.id,
		Credit:    uint32(s.credit),
		Ephemeral: s.opts.ephemeral,
		Command:   s.command,
		Group:     s.opts.group,
	}
}

// acked takes the broker's SubAck.
func (s *Subscription) acked(code wire.Code, msg string) {
	var err error
	if code != wire.CodeOK {
		err = &BrokerError{Code: code, Message: msg}
	}
	s.mu.Lock()
	first := !s.acked1
	s.acked1 = true
	s.mu.Unlock()
	if first {
		s.ack <- err
	} else if err != nil {
		s.c.log.Error("teomq: broker refused a re-subscription", "command", s.command, "err", err)
	}
}

// onDeliver hands a delivery to its subscription's workers. It runs on the
// read goroutine and never blocks: the broker sends no more than the
// subscription's credit, which is the queue's capacity.
func (c *Client) onDeliver(f *wire.Deliver) {
	c.mu.Lock()
	s := c.subs[f.SubID]
	c.mu.Unlock()
	if s == nil {
		return // unsubscribed: the broker requeues it
	}
	d := &delivery{
		msg: Message{
			ID:      MessageID(f.ID),
			Command: f.Command,
			Data:    append([]byte(nil), f.Data...),
			From:    f.From,
			Attempt: int(f.Attempt),
		},
		deadline: f.Deadline,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.inFlight.Add(1)
	select {
	case s.queue <- d:
	default:
		s.inFlight.Done()
		c.log.Warn("teomq: broker exceeded a subscription's credit; message left to its lease", "command", s.command)
	}
}

// work runs the handler for deliveries until the subscription stops.
func (s *Subscription) work() {
	defer s.workers.Done()
	for d := range s.queue {
		s.handle(d)
	}
}

// handle runs the handler for one delivery and sends its answer.
func (s *Subscription) handle(d *delivery) {
	defer s.inFlight.Done()
	// The client's context ends handlers at Close; a deadline of the
	// message's own ends this one earlier.
	ctx := &handlerCtx{parent: s.c.ctx, lease: leaseRef{c: s.c, id: wire.ID(d.msg.ID), attempt: uint32(d.msg.Attempt)}}
	if d.deadline > 0 {
		ctx.deadline = time.UnixMilli(d.deadline)
	}
	reply, err := s.handler(ctx, &d.msg)
	ctx.release()

	a := wire.Answer{ID: wire.ID(d.msg.ID), Attempt: uint32(d.msg.Attempt), Data: reply}
	var re *retryError
	switch {
	case errors.As(err, &re):
		a.Kind, a.Data = wire.AnswerRetry, []byte(err.Error())
	case err != nil:
		a.Kind, a.Data = wire.AnswerError, []byte(err.Error())
	}
	s.c.mu.Lock()
	ch, closed := s.c.ch, s.c.closed
	s.c.mu.Unlock()
	// After Close the answer is not sent, although the connection may still
	// be up: a handler cut short by Close would answer with its context's
	// error, and the broker gives the message to another consumer instead.
	// An answer lost with a lost connection is requeued by the broker too.
	// Answers of other handlers that are ready to run join this one's write.
	if ch != nil && !closed {
		_ = ch.SendAppendShared(a.AppendTo)
	}
}

// leaseKey is the context key of a handler's leaseRef.
type leaseKey struct{}

// handlerCtx is a handler's context: the client's, ended earlier by the
// message's deadline if it has one, and carrying the delivery that
// ExtendLease extends. Most handlers never wait on Done, so the timer that
// a deadline needs is made only when Done is first called.
type handlerCtx struct {
	parent   context.Context
	deadline time.Time // zero: none
	lease    leaseRef

	mu     sync.Mutex
	timed  context.Context // parent with the deadline; made by Done
	cancel context.CancelFunc
	done   bool // release was called
}

// Deadline implements context.Context.
func (c *handlerCtx) Deadline() (time.Time, bool) {
	d, ok := c.parent.Deadline()
	if !c.deadline.IsZero() && (!ok || c.deadline.Before(d)) {
		return c.deadline, true
	}
	return d, ok
}

// Done implements context.Context.
func (c *handlerCtx) Done() <-chan struct{} {
	if c.deadline.IsZero() {
		return c.parent.Done()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		c.timed, c.cancel = context.WithDeadline(c.parent, c.deadline)
		if c.done {
			c.cancel()
		}
	}
	return c.timed.Done()
}

// Err implements context.Context. Without a deadline it is the client's;
// with one it says what Done would close with: the client's error, the
// deadline passed, or Canceled once the handler returned.
func (c *handlerCtx) Err() error {
	if c.deadline.IsZero() {
		return c.parent.Err()
	}
	c.mu.Lock()
	timed, done := c.timed, c.done
	c.mu.Unlock()
	if timed != nil {
		return timed.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	if done {
		return context.Canceled
	}
	return nil
}

// Value implements context.Context.
func (c *handlerCtx) Value(key any) any {
	if key == (leaseKey{}) {
		return &c.lease
	}
	return c.parent.Value(key)
}

// release stops the deadline's timer, if Done made one, once the handler
// has returned.
func (c *handlerCtx) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.cancel != nil {
		c.cancel()
	}
}

type leaseRef struct {
	c       *Client
	id      wire.ID
	attempt uint32
}

// ExtendLease asks the broker for d more time to answer the message being
// handled with ctx (a Handler's context), so it is not redelivered to
// another consumer meanwhile. It reports false when ctx is not a handler's.
func ExtendLease(ctx context.Context, d time.Duration) bool {
	ref, ok := ctx.Value(leaseKey{}).(*leaseRef)
	if !ok {
		return false
	}
	ref.c.mu.Lock()
	ch := ref.c.ch
	ref.c.mu.Unlock()
	if ch == nil {
		return false
	}
	ms := d.Milliseconds()
	if ms > int64(^uint32(0)) {
		ms = int64(^uint32(0))
	}
	return ch.SendAppend((&wire.Touch{ID: ref.id, Attempt: ref.attempt, Millis: uint32(ms)}).AppendTo) == nil
}

// Drain stops taking new messages (credit 0 at the broker), lets the
// handlers that run answer, then closes the client. When ctx ends first it
// closes at once; unanswered messages are requeued by the broker.
func (c *Client) Drain(ctx context.Context) error {
	c.mu.Lock()
	subs := make([]*Subscription, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	ch := c.ch
	c.mu.Unlock()
	for _, s := range subs {
		s.mu.Lock()
		s.credit = 0
		s.mu.Unlock()
		if ch != nil {
			_ = ch.SendAppend((&wire.Credit{SubID: s.id, N: 0}).AppendTo)
		}
	}
	done := make(chan struct{})
	go func() { // owned by Drain: ends when the handlers do
		for _, s := range subs {
			s.inFlight.Wait()
		}
		close(done)
	}()
	var err error
	select {
	case <-done:
		// Answers are queued on the channel; Close flushes them.
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.Close()
	return err
}
