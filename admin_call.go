package teomq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// adminCall is one operator request in progress, as net/rpc's Call: done
// is closed once its reply, or its failure, is in.
type adminCall struct {
	id    uint64
	op    wire.AdminOp
	frame []byte
	sent  *teonet.Channel // the channel it went out on; nil while it waits for one
	done  chan struct{}
	over  atomic.Bool // set by the first finish

	// set before done is closed
	payload, data []byte
	err           error
}

// finish completes cl once; later calls do nothing.
func (cl *adminCall) finish(payload, data []byte, err error) {
	if cl.over.Swap(true) {
		return
	}
	cl.payload, cl.data, cl.err = payload, data, err
	close(cl.done)
}

// adminCalls are a client's operator requests in progress, by request ID:
// the one request/reply mechanism every operator method is built on. A
// request made while the client is disconnected waits for the next
// connection; one whose connection ends before its reply fails with
// ErrConnectionLost (it is not resent: the broker may have carried it
// out). Its methods are safe for concurrent use.
type adminCalls struct {
	mu     sync.Mutex // guards the fields below
	next   uint64
	calls  map[uint64]*adminCall
	ch     *teonet.Channel // the connected channel; nil while disconnected
	closed bool
}

// start registers a request and sends it if the client is connected.
func (a *adminCalls) start(op wire.AdminOp, command string, args []byte) (*adminCall, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, ErrClosed
	}
	if a.calls == nil {
		a.calls = make(map[uint64]*adminCall)
	}
	a.next++
	cl := &adminCall{id: a.next, op: op, done: make(chan struct{})}
	cl.frame = (&wire.AdminRequest{ReqID: cl.id, Op: op, Command: command, Args: args}).AppendTo(nil)
	a.calls[cl.id] = cl
	ch := a.ch
	cl.sent = ch
	a.mu.Unlock()
	if ch != nil {
		a.send(ch, cl)
	}
	return cl, nil
}

// send writes cl's frame on ch; a frame that cannot be sent fails cl.
func (a *adminCalls) send(ch *teonet.Channel, cl *adminCall) {
	if err := ch.Send(cl.frame); err != nil {
		a.fail(cl, fmt.Errorf("teomq: %v request: %w: %w", cl.op, ErrConnectionLost, err))
	}
}

// attach makes ch the connected channel and sends it the requests that
// waited for one. Called by the client's serve for each new channel.
func (a *adminCalls) attach(ch *teonet.Channel) {
	a.mu.Lock()
	a.ch = ch
	var waiting []*adminCall
	for _, cl := range a.calls {
		if cl.sent == nil {
			cl.sent = ch
			waiting = append(waiting, cl)
		}
	}
	a.mu.Unlock()
	for _, cl := range waiting {
		a.send(ch, cl)
	}
}

// detach ends ch: the requests sent on it fail with ErrConnectionLost.
func (a *adminCalls) detach(ch *teonet.Channel) {
	a.mu.Lock()
	if a.ch == ch {
		a.ch = nil
	}
	var lost []*adminCall
	for id, cl := range a.calls {
		if cl.sent == ch {
			delete(a.calls, id)
			lost = append(lost, cl)
		}
	}
	a.mu.Unlock()
	for _, cl := range lost {
		cl.finish(nil, nil, fmt.Errorf("teomq: %v request: %w", cl.op, ErrConnectionLost))
	}
}

// reply completes the request f answers. f's slices alias the read
// buffer: they are copied.
func (a *adminCalls) reply(f *wire.AdminReply) {
	a.mu.Lock()
	cl := a.calls[f.ReqID]
	delete(a.calls, f.ReqID)
	a.mu.Unlock()
	if cl == nil {
		return // its caller stopped waiting
	}
	if f.Code != wire.CodeOK {
		cl.finish(nil, nil, brokerError(f.Code, f.Message))
		return
	}
	cl.finish(bytes.Clone(f.Payload), bytes.Clone(f.Data), nil)
}

// fail forgets cl and completes it with err.
func (a *adminCalls) fail(cl *adminCall, err error) {
	a.mu.Lock()
	if a.calls[cl.id] == cl {
		delete(a.calls, cl.id)
	}
	a.mu.Unlock()
	cl.finish(nil, nil, err)
}

// close fails every request with err and refuses new ones. Called by
// Client.Close.
func (a *adminCalls) close(err error) {
	a.mu.Lock()
	a.closed = true
	calls := a.calls
	a.calls = nil
	a.mu.Unlock()
	for _, cl := range calls {
		cl.finish(nil, nil, err)
	}
}

// admin makes an operator request and waits for its reply: op on command
// with args (nil: none), its payload decoded into out (nil: ignored). It
// returns the reply's raw data. ctx bounds the wait; when it ends first,
// the request may still be carried out.
func (c *Client) admin(ctx context.Context, op wire.AdminOp, command string, args *adminArgs, out any) ([]byte, error) {
	var enc []byte
	if args != nil {
		var err error
		if enc, err = json.Marshal(args); err != nil {
			return nil, fmt.Errorf("teomq: %v request: %w", op, err)
		}
	}
	cl, err := c.ops.start(op, command, enc)
	if err != nil {
		return nil, err
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		c.ops.fail(cl, fmt.Errorf("teomq: %v request: %w", op, ctx.Err()))
		<-cl.done // the reply may have won the race
	}
	if cl.err != nil {
		return nil, cl.err
	}
	if out != nil {
		if err := json.Unmarshal(cl.payload, out); err != nil {
			return nil, fmt.Errorf("teomq: %v reply: %w: %w", op, ErrProtocol, err)
		}
	}
	return cl.data, nil
}
