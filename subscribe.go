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

// delivery is one message handed to a worker, with its handler's
// context, which the broker's Cancel can end from the time it arrives.
type delivery struct {
	msg Message
	key runKey
	ctx *handlerCtx
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
		command = DefaultCommand
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
			return nil, &opError{op: fmt.Sprintf("subscribe %q", command), err: err}
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
		key: runKey{id: f.ID, sub: f.SubID},
		// The client's context ends handlers at Close; a deadline of the
		// message's own ends this one earlier.
		ctx: &handlerCtx{parent: c.ctx, lease: leaseRef{c: c, id: f.ID, attempt: f.Attempt}},
	}
	if f.Deadline > 0 {
		d.ctx.deadline = time.UnixMilli(f.Deadline)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.inFlight.Add(1)
	c.track(d)
	select {
	case s.queue <- d:
	default:
		c.untrack(d)
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

// handle runs the handler for one delivery and sends its answer. A
// delivery its producer cancelled before it started is not handled: its
// answer says so, and the broker drops it.
func (s *Subscription) handle(d *delivery) {
	defer s.inFlight.Done()
	var (
		reply []byte
		err   error
	)
	if d.ctx.cancelled() {
		err = errCancelledBeforeStart
	} else {
		reply, err = s.handler(d.ctx, &d.msg)
	}
	s.c.untrack(d)
	d.ctx.end()

	a := wire.Answer{ID: wire.ID(d.msg.ID), Attempt: uint32(d.msg.Attempt), Data: reply}
	var re *retryError
	switch {
	case errors.As(err, &re):
		a.Kind, a.Data = wire.AnswerRetry, []byte(err.Error())
	case err != nil:
		a.Kind, a.Data = wire.AnswerError, []byte(err.Error())
	}
	if limit := s.c.maxMessage.Load(); limit > 0 && int64(len(a.Data)) > limit {
		// The broker would refuse it; the producer learns why instead.
		s.c.log.Warn("teomq: handler's answer over the broker's size limit; answering with an error", "command", s.command, "size", len(a.Data), "limit", limit)
		a.Kind, a.Data = wire.AnswerError, []byte(tooLargeError(len(a.Data), limit).Error())
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
// message's deadline if it has one, by the producer's cancelling the
// request, or by the handler's return, and carrying the delivery that
// ExtendLease extends. Most handlers never wait on Done, so the context
// (and timer) that Done needs is made only when Done is first called.
type handlerCtx struct {
	parent   context.Context
	deadline time.Time // zero: none
	lease    leaseRef

	mu      sync.Mutex
	derived context.Context // parent with the deadline, cancelled by end; made by Done
	cancel  context.CancelFunc
	ended   bool // end was called: the handler returned, or the request was cancelled
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.derived == nil {
		if c.deadline.IsZero() {
			c.derived, c.cancel = context.WithCancel(c.parent)
		} else {
			c.derived, c.cancel = context.WithDeadline(c.parent, c.deadline)
		}
		if c.ended {
			c.cancel()
		}
	}
	return c.derived.Done()
}

// Err implements context.Context: it says what Done would close with, the
// client's error, the deadline passed, or Canceled once the handler
// returned or the producer cancelled the request; whichever came first.
func (c *handlerCtx) Err() error {
	c.mu.Lock()
	derived, ended := c.derived, c.ended
	c.mu.Unlock()
	if derived != nil {
		return derived.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	if ended {
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

// end ends the context with Canceled, unless it ended already: the
// handler returned (its context is done, and Done's timer, if any, is
// stopped), or the producer cancelled the request. A deadline that passed
// stays the reason.
func (c *handlerCtx) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	if c.cancel != nil && (c.deadline.IsZero() || time.Now().Before(c.deadline)) {
		c.cancel()
	}
}

// cancelled reports whether the context has ended: called before the
// handler runs, whether the producer cancelled the request already.
func (c *handlerCtx) cancelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
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
