package teomq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// call is one Send or Request in progress: its publish (kept for resending
// after a reconnect) and where its outcome goes.
type call struct {
	id      wire.ID
	size    int // of the payload
	request bool
	done    chan struct{} // closed by finish
	state   atomic.Uint32 // callPending, callConfirmed, callFinished

	// pub is the publish, whose Data is the caller's payload: it is encoded
	// straight into the channel's send queue, without a copy of its own.
	// Once the call is finished its caller may reuse the payload, so
	// released is set then, and nothing reads pub any more.
	pubMu    sync.Mutex // guards pub and released
	pub      wire.Publish
	released bool

	// set before done is closed
	ans *Answer
	err error
}

const (
	callPending uint32 = iota
	callConfirmed
	callFinished
)

func (cl *call) confirmed() bool { return cl.state.Load() != callPending }

// fail finishes cl with err unless it is finished already.
func (cl *call) fail(err error) {
	if cl.state.Swap(callFinished) == callFinished {
		return
	}
	cl.release()
	cl.err = err
	close(cl.done)
}

// release lets go of the caller's payload: the call is finished, and its
// caller may reuse the payload once Send or Request returns.
func (cl *call) release() {
	cl.pubMu.Lock()
	cl.released, cl.pub.Data = true, nil
	cl.pubMu.Unlock()
}

// appendPublish appends cl's publish frame to dst, or nothing once cl is
// released. It is the encoder that sendCall hands the channel.
func (cl *call) appendPublish(dst []byte) []byte {
	cl.pubMu.Lock()
	defer cl.pubMu.Unlock()
	if cl.released {
		return dst
	}
	return cl.pub.AppendTo(dst)
}

// Send stores a message for command at the broker and returns its ID once
// the broker confirmed it (in sync durability: on disk). No answer is
// awaited; the consumer's answer is discarded. An empty command is refused
// with ErrBadName (DefaultCommand names the original's default). ctx bounds the wait for the confirm: when it ends first,
// the outcome is unknown, and a retry WithID(id) is stored at most once.
func (c *Client) Send(ctx context.Context, command string, data []byte, opts ...SendOption) (MessageID, error) {
	cl, err := c.publish(ctx, command, data, false, opts)
	if err != nil {
		return cl.messageID(), err
	}
	select {
	case <-cl.done:
		return cl.messageID(), cl.err
	case <-ctx.Done():
		c.forget(cl)
		return cl.messageID(), &opError{op: "send " + cl.messageID().String(), err: ctx.Err()}
	}
}

// Request stores a message for command at the broker and returns the
// consumer's answer: that of a member of the default group, or of the
// group named with AnswerGroup. Other groups get copies, but never answer
// the request. ctx's deadline travels with the message: a consumer never
// gets it after that, and Request returns ErrTimeout (or ctx's error). A
// handler's error returns as a *RemoteError.
//
// When ctx ends first, the client tells the broker that the request is
// given up (a Cancel): if no consumer has it yet it is removed from its
// queue, and a consumer handling it sees its handler's context cancelled;
// its answer, if it still comes, is dropped.
func (c *Client) Request(ctx context.Context, command string, data []byte, opts ...SendOption) (*Answer, error) {
	cl, err := c.publish(ctx, command, data, true, opts)
	if err != nil {
		return nil, err
	}
	select {
	case <-cl.done:
		return cl.ans, cl.err
	case <-ctx.Done():
		c.forget(cl)
		c.cancelRemote(cl.id)
		op := "request " + cl.messageID().String()
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &opError{op: op, err: fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())}
		}
		return nil, &opError{op: op, err: ctx.Err()}
	}
}

func (cl *call) messageID() MessageID {
	if cl == nil {
		return MessageID{}
	}
	return MessageID(cl.id)
}

// publish registers a call and sends its frame on the current channel.
// Without a channel, the frame goes out when the client reconnects.
func (c *Client) publish(ctx context.Context, command string, data []byte, request bool, opts []SendOption) (*call, error) {
	o := applySendOptions(opts)
	if command == "" {
		return nil, fmt.Errorf("teomq: empty command: %w", ErrBadName)
	}
	if len(command) > wire.MaxCommandLen {
		return nil, &opError{op: fmt.Sprintf("command of %d bytes", len(command)), err: ErrBadName}
	}
	if len(o.answerGroup) > wire.MaxCommandLen {
		return nil, &opError{op: fmt.Sprintf("answer group of %d bytes", len(o.answerGroup)), err: ErrBadName}
	}
	if limit := c.maxMessage.Load(); limit > 0 && int64(len(data)) > limit {
		return nil, tooLargeError(len(data), limit)
	}
	id := o.id
	if !o.hasID {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return nil, &opError{op: "new message id", err: err}
		}
	}
	p := wire.Publish{ID: wire.ID(id), Command: command, Data: data}
	if request {
		p.Flags |= wire.FlagRequest
		p.AnswerGroup = o.answerGroup
	}
	p.Deadline = deadlineMillis(ctx, request, o.ttl)
	cl := &call{id: p.ID, request: request, size: len(data), done: make(chan struct{}), pub: p}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return cl, ErrClosed
	}
	if _, dup := c.calls[p.ID]; dup {
		c.mu.Unlock()
		return cl, fmt.Errorf("teomq: message %s is already in progress on this client", MessageID(p.ID))
	}
	c.calls[p.ID] = cl
	ch := c.ch
	c.mu.Unlock()
	if ch != nil {
		_ = c.sendCall(ch, cl)
	}
	return cl, nil
}

// applySendOptions returns the options opts set; without any it
// allocates nothing.
func applySendOptions(opts []SendOption) sendOptions {
	if len(opts) == 0 {
		return sendOptions{}
	}
	o := new(sendOptions)
	for _, opt := range opts {
		opt(o)
	}
	return *o
}

// sendCall sends cl's publish on ch. A message over the broker's limit,
// which changed since publish checked it (the client reconnected to a
// broker with another), or over the client's own frame limit (WithMaxFrame)
// fails its call; a call finished meanwhile sends nothing. The error it
// returns says that the channel is gone: the frame is resent on the next
// one.
func (c *Client) sendCall(ch *teonet.Channel, cl *call) error {
	if limit := c.maxMessage.Load(); limit > 0 && int64(cl.size) > limit {
		c.finish(cl, nil, tooLargeError(cl.size, limit))
		return nil
	}
	err := ch.SendAppend(cl.appendPublish)
	switch {
	case errors.Is(err, teonet.ErrFrameTooLarge):
		c.finish(cl, nil, fmt.Errorf("%w: %w", ErrTooLarge, err))
		return nil
	case errors.Is(err, teonet.ErrEmptyFrame):
		return nil // released: finished meanwhile
	}
	return err
}

// deadlineMillis is the message's deadline in unix milliseconds: the ttl's,
// or a request's ctx deadline when earlier; 0 for none.
func deadlineMillis(ctx context.Context, request bool, ttl time.Duration) int64 {
	var dl time.Time
	if ttl > 0 {
		dl = time.Now().Add(ttl)
	}
	if request {
		if d, ok := ctx.Deadline(); ok && (dl.IsZero() || d.Before(dl)) {
			dl = d
		}
	}
	if dl.IsZero() {
		return 0
	}
	return dl.UnixMilli()
}

// forget drops a call whose caller stopped waiting.
func (c *Client) forget(cl *call) {
	c.mu.Lock()
	if c.calls[cl.id] == cl {
		delete(c.calls, cl.id)
	}
	c.mu.Unlock()
	cl.fail(context.Canceled)
}

// finish completes cl with an answer or error and forgets it.
func (c *Client) finish(cl *call, ans *Answer, err error) {
	c.mu.Lock()
	if c.calls[cl.id] == cl {
		delete(c.calls, cl.id)
	}
	c.mu.Unlock()
	if cl.state.Swap(callFinished) == callFinished {
		return
	}
	cl.release()
	cl.ans, cl.err = ans, err
	close(cl.done)
}

// onConfirm handles the broker's confirm of a publish.
func (c *Client) onConfirm(f *wire.Confirm) {
	c.mu.Lock()
	cl := c.calls[f.ID]
	c.mu.Unlock()
	if cl == nil {
		return
	}
	if f.Code != wire.CodeOK {
		c.finish(cl, nil, brokerError(f.Code, f.Message))
		return
	}
	if !cl.request {
		c.finish(cl, nil, nil)
		return
	}
	cl.state.CompareAndSwap(callPending, callConfirmed)
}

// onResult handles the answer routed back for a request, which the last
// Recv on ch returned.
func (c *Client) onResult(ch frameTaker, f *wire.Result) {
	ans, err := resultOutcome(ch, f)
	c.mu.Lock()
	cl := c.calls[f.ID]
	c.mu.Unlock()
	if cl == nil {
		if c.orphans != nil {
			select {
			case c.orphans <- orphan{ans: ans, err: err}:
			default:
				c.log.Warn("teomq: orphan answer dropped: handler too slow", "id", MessageID(f.ID))
			}
		}
		return
	}
	c.finish(cl, ans, err)
}

// resultOutcome turns a Result frame, which the last Recv on ch returned,
// into Request's return values. The answer's data is the frame's own
// memory if ch hands it over, and otherwise a copy: it aliases the read
// buffer.
func resultOutcome(ch frameTaker, f *wire.Result) (*Answer, error) {
	switch f.Code {
	case wire.CodeOK:
		return &Answer{ID: MessageID(f.ID), Data: keepFrame(ch, f.Data), From: f.From}, nil
	case wire.CodeRemoteError:
		return nil, &RemoteError{ID: MessageID(f.ID), From: f.From, Message: string(f.Data)}
	default:
		return nil, brokerError(f.Code, string(f.Data))
	}
}

// runOrphans hands answers no call awaits to the WithOrphanAnswers
// function. Owned by the Client: started by Connect, stopped by Close.
func (c *Client) runOrphans() {
	defer c.wg.Done()
	for o := range c.orphans {
		c.opts.onAnswer(o.ans, o.err)
	}
}
