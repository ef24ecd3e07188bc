package teomq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// Subscription is a client's registration for one command. Its handler runs
// on the subscription's own goroutines, Concurrency at a time. Its methods
// are safe for concurrent use.
type Subscription struct {
	c       *Client
	id      uint32
	command string
	opts    subscribeOptions
	handler Handler

	queue chan *delivery // deliveries for the workers; cap = credit
	ack   chan error     // the SubAck for a Subscribe call that awaits it
	done  chan struct{}  // closed by stop

	mu       sync.Mutex // guards the fields below and sending on queue
	credit   int
	awaiting bool // a Subscribe call waits for the SubAck on ack
	stopped  bool
	err      error         // the broker's refusal that stopped it
	pending  int           // deliveries queued or being handled
	drained  chan struct{} // made by drain; closed once pending is 0

	workers sync.WaitGroup // the worker goroutines
}

// delivery is one message handed to a worker, with its handler's
// context, which the broker's Cancel can end from the time it arrives.
type delivery struct {
	msg Message
	key runKey
	ctx *handlerCtx
}

// Subscribe registers h for command. Messages already queued for the
// command's group start arriving at once.
//
// While the client is connected, Subscribe waits for the broker to register
// the subscription, so a message sent after it returns reaches it, and a
// refusal (an invalid command or group name: ErrBadName) is its error. The
// wait is bounded by WithSubscribeTimeout; past it Subscribe gives up with
// an error matching context.DeadlineExceeded, and the subscription is
// withdrawn.
//
// While the client is disconnected, or if the connection drops during the
// wait, Subscribe registers the subscription locally and returns at once,
// as nats.go does: the client sends it when it reconnects. A refusal that
// arrives then stops the subscription: Done is closed, Err returns the
// broker's error, and the client logs it.
func (c *Client) Subscribe(command string, h Handler, opts ...SubscribeOption) (*Subscription, error) {
	s, err := c.newSubscription(command, h, opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.nextSub++
	s.id = c.nextSub
	ch, sent := c.ch, false
	if ch == nil {
		// A live channel that serve has not taken yet (just after Connect)
		// gets s from serve, with the other subscriptions.
		ch, sent = c.redial.Current(), true
	}
	s.awaiting = ch != nil
	c.subs[s.id] = s
	c.mu.Unlock()

	s.workers.Add(s.opts.concurrency)
	for range s.opts.concurrency {
		go s.work() // owned by the Subscription; stopped by stop()
	}
	if ch == nil {
		return s, nil // sent by serve when the client reconnects
	}
	if f, ok := s.subscribeFrame(); ok && !sent {
		_ = ch.SendAppend(f.AppendTo)
	}
	if err := s.awaitAck(ch); err != nil {
		s.abandon(err)
		return nil, &opError{op: fmt.Sprintf("subscribe %q", s.command), err: err}
	}
	return s, nil
}

// abandon undoes a Subscribe call that failed with err. A subscription the
// broker refused is forgotten; one it may yet register (its answer did not
// come in time) is also withdrawn there.
func (s *Subscription) abandon(err error) {
	var refused *BrokerError
	if errors.As(err, &refused) {
		s.c.removeSub(s)
		s.stop(nil)
		return
	}
	s.Unsubscribe()
}

// newSubscription checks Subscribe's arguments and makes its Subscription.
func (c *Client) newSubscription(command string, h Handler, opts []SubscribeOption) (*Subscription, error) {
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
	return &Subscription{
		c:       c,
		command: command,
		opts:    o,
		handler: h,
		queue:   make(chan *delivery, o.concurrency),
		ack:     make(chan error, 1),
		done:    make(chan struct{}),
		credit:  o.concurrency,
	}, nil
}

// awaitAck waits for the broker's answer to the subscription sent on ch. It
// returns nil once the broker registered it, or once ch is lost: the
// subscription is sent again on the next connection.
func (s *Subscription) awaitAck(ch *teonet.Channel) error {
	var timeout <-chan time.Time
	if d := s.c.opts.subscribeTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	var waitErr error
	select {
	case err := <-s.ack:
		return err
	case <-s.c.ctx.Done():
		return ErrClosed
	case <-ch.Done():
	case <-timeout:
		waitErr = fmt.Errorf("no answer from the broker within %v: %w", s.c.opts.subscribeTimeout, context.DeadlineExceeded)
	}
	s.mu.Lock()
	s.awaiting = false // from now on acked reports a refusal through Err
	s.mu.Unlock()
	select {
	case err := <-s.ack: // it came with the disconnect or the timeout
		return err
	default:
		return waitErr
	}
}

// Command returns the subscription's command.
func (s *Subscription) Command() string { return s.command }

// Done returns a channel that is closed when the subscription ends: by
// Unsubscribe, by the client's Close or Drain, or by the broker's refusal.
// Handlers that are running then may still finish.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err returns the broker's refusal that ended the subscription (a
// *BrokerError), or nil: while the subscription is active, and after it
// ended by Unsubscribe, Close or Drain.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

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
	s.stop(nil)
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

// stop ends the workers once their current messages are handled; err is
// the broker's refusal that stopped s, if that is why.
func (s *Subscription) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		s.err = err
		close(s.queue)
		close(s.done)
	}
}

// subscribeFrame is the frame that registers s at the broker; ok is false
// once Drain has begun: a draining subscription takes no new messages, so
// it is not sent again on a new connection.
func (s *Subscription) subscribeFrame() (f *wire.Subscribe, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drained != nil {
		return nil, false
	}
	return &wire.Subscribe{
		SubID:     s.id,
		Credit:    uint32(s.credit),
		Ephemeral: s.opts.ephemeral,
		Command:   s.command,
		Group:     s.opts.group,
	}, true
}

// acked takes the broker's SubAck: for a Subscribe call that awaits it, or
// for a subscription sent on a (re)connect, which a refusal stops.
func (s *Subscription) acked(code wire.Code, msg string) {
	var err error
	if code != wire.CodeOK {
		err = brokerError(code, msg)
	}
	s.mu.Lock()
	awaiting := s.awaiting
	s.awaiting = false
	s.mu.Unlock()
	switch {
	case awaiting:
		s.ack <- err // buffered; awaiting was true once only
	case err != nil:
		s.c.log.Error("teomq: broker refused a subscription; it has stopped", "command", s.command, "group", s.opts.group, "err", err)
		s.c.removeSub(s)
		s.stop(err)
	}
}

// onDeliver hands a delivery, which the last Recv on ch returned, to its
// subscription's workers. It runs on the read goroutine and never blocks:
// the broker sends no more than the subscription's credit, which is the
// queue's capacity.
func (c *Client) onDeliver(ch frameTaker, f *wire.Deliver) {
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
			Data:    keepFrame(ch, f.Data),
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
	if s.stopped || s.drained != nil {
		// Sent before the broker saw Unsubscribe or Drain's credit 0: the
		// broker requeues it when the subscription or the client ends.
		return
	}
	c.track(d)
	select {
	case s.queue <- d:
		s.pending++
	default:
		c.untrack(d)
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
	defer s.handled()
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
	_, retry := errors.AsType[*retryError](err)
	switch {
	case retry:
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
