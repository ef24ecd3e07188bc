package teomq

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/internal/ratelog"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// peerConn is a broker's authenticated connection to one peer: a Teonet
// channel, or a browser's WebSocket. Recv is called from one goroutine;
// SendAppend and Close from any.
//
// Each connection owns its writes: only its writer goroutine, or its own
// serve goroutine, ever blocks on its socket. Every other broker goroutine
// (commit, confirm, tick, other peers' serve goroutines) only queues
// frames and calls FlushIfRoom, which writes only what the socket takes at
// once (never waiting for the peer) and leaves anything more to the peer's
// writer goroutine, so a peer that stops reading stalls nobody but itself,
// and is dropped once its queue passes MaxPeerQueue.
type peerConn interface {
	// PeerAddress is the peer's authenticated Teonet address.
	PeerAddress() string
	// RemoteAddr is the peer's network address, for logs.
	RemoteAddr() net.Addr
	// SendAppend queues the frame fn appends to dst and starts its write.
	SendAppend(fn func(dst []byte) []byte) error
	// QueueAppend queues the frame fn appends to dst; Flush or FlushAsync
	// writes it. It never waits: a peer too far behind is dropped as slow.
	QueueAppend(fn func(dst []byte) []byte) error
	// Flush starts writing the frames QueueAppend queued, possibly in the
	// calling goroutine: only the peer's own serve goroutine calls it.
	Flush() error
	// FlushAsync has the connection's writer goroutine write the frames
	// QueueAppend queued; it never writes or waits itself.
	FlushAsync() error
	// FlushIfRoom is FlushAsync, but writes in the calling goroutine when
	// that cannot wait for the peer (its socket takes it all at once).
	FlushIfRoom() error
	// Recv returns the next frame, valid until the next Recv.
	Recv() ([]byte, error)
	// RecvReady reports whether Recv would return without waiting.
	RecvReady() bool
	// TakeFrame hands the caller the frame the last Recv returned, if it
	// has a buffer of its own, and reports whether it did.
	TakeFrame() bool
	// Close closes the connection; safe to call twice.
	Close() error
}

var (
	_ peerConn = (*teonet.Channel)(nil)
	_ peerConn = (*teonet.WebChannel)(nil)
)

// brokerConn is one authenticated peer connection of a broker.
type brokerConn struct {
	b      *Broker
	id     router.ConnID
	ch     peerConn
	addr   string // the peer's Teonet address
	queued bool   // frames queued to flush at b.unlock; guarded by b.mu

	// peer is what the policy knows of the peer; grants, its rights under
	// the broker's policy, replaced by SetPolicy.
	peer   policy.Peer
	grants atomic.Pointer[policy.Grants]

	// badFrames and refusals limit the log lines this peer's bad frames
	// and refused actions make.
	badFrames, refusals ratelog.Limiter
	// refusedCount counts the refusals since refusedSince; persistent is
	// set once they pass maxRefusals: the connection then ends. All three
	// belong to the serve goroutine.
	refusedCount int
	refusedSince time.Time
	persistent   error

	// more is set while the frame being handled has another one buffered
	// behind it; deferred is set once a handler left queued frames for
	// later. Both belong to the serve goroutine.
	more, deferred bool

	// single is the batch of one that onPublish commits itself, with an
	// inline store; it belongs to the serve goroutine.
	single [1]*pendingPublish
}

// unlock releases b.mu after handling a frame. While more frames of this
// peer are already buffered, the frames queued for other peers wait: the
// burst's frames are written together once it is handled, as a NATS server
// flushes once per read.
func (c *brokerConn) unlock() {
	if c.more {
		c.deferred = true
		c.b.mu.Unlock()
		return
	}
	c.deferred = false
	c.b.unlockFlush(c)
}

// flushDeferred writes what handlers left queued once the burst ends.
func (c *brokerConn) flushDeferred() {
	if c.deferred && !c.more {
		c.b.mu.Lock()
		c.unlock()
	}
}

// queue queues a frame to the peer while b.mu is held; b.unlock writes it.
// Frames queued for one peer during one locked section share a write, and
// no write happens with the broker's state locked. It reports false if the
// connection is gone (its read loop cleans up).
func (c *brokerConn) queue(f wire.Frame) bool {
	if c.b.enc.queue(c.ch, f) != nil {
		return false
	}
	if !c.queued {
		c.queued = true
		c.b.dirty = append(c.b.dirty, c)
	}
	return true
}

// serve reads and handles frames until the channel fails, then tells the
// router the peer is gone (its deliveries are requeued).
func (c *brokerConn) serve() {
	b := c.b
	defer b.wg.Done()
	b.log.Debug("teomq: peer connected", "peer", c.addr, "remote", c.ch.RemoteAddr())
	var (
		pub wire.Publish
		ans wire.Answer
	)
	for {
		c.flushDeferred()
		frame, err := c.ch.Recv()
		if err != nil {
			if tooLarge, ok := errors.AsType[*teonet.FrameTooLargeError](err); ok && tooLarge.Skipped {
				c.more = false
				c.oversize(tooLarge)
				continue
			}
			c.gone(err)
			break
		}
		c.more = c.ch.RecvReady()
		err = c.handle(frame, &pub, &ans)
		if err == nil {
			err = c.persistent
		}
		if err != nil {
			c.fatal(err)
			break
		}
	}
	c.ch.Close()
	c.more = false
	if b.cluster != nil {
		b.cluster.Disconnect(c.id)
	}
	b.mu.Lock()
	delete(b.conns, c.id)
	b.exec(b.router.Disconnect(time.Now(), c.id))
	c.unlock()
}

// handle handles one frame. It returns the protocol error that ends the
// connection (a frame that does not decode, or that only a broker sends);
// errors the peer can recover from are answered and logged here.
func (c *brokerConn) handle(frame []byte, pub *wire.Publish, ans *wire.Answer) error {
	t, err := wire.PeekType(frame)
	if err != nil {
		return err
	}
	switch t {
	case wire.TypePublish:
		if err := wire.DecodePublish(frame, pub); err != nil {
			return err
		}
		c.onPublish(pub)
	case wire.TypeAnswer:
		if err := wire.DecodeAnswer(frame, ans); err != nil {
			return err
		}
		return c.onAnswer(ans)
	default:
		f, err := wire.Decode(frame)
		if err != nil {
			return err
		}
		return c.onFrame(f)
	}
	return nil
}

// gone logs why the peer's connection ended: at Warn, once, for a peer
// dropped because it stopped reading or went silent; at Debug otherwise.
func (c *brokerConn) gone(err error) {
	b := c.b
	switch {
	case errors.Is(err, teonet.ErrSlowPeer), errors.Is(err, teonet.ErrPeerTimeout):
		b.slowPeers.Add(1)
		b.log.Warn("teomq: dropped slow peer; its unanswered messages go to other consumers", "peer", c.addr, "remote", c.ch.RemoteAddr(), "err", err)
	default:
		b.log.Debug("teomq: peer gone", "peer", c.addr, "err", err)
	}
}

// onFrame handles the less frequent frames.
func (c *brokerConn) onFrame(f wire.Frame) error {
	b := c.b
	now := time.Now()
	if _, sub := f.(*wire.Subscribe); !sub && c.clusterFrame(f) {
		return nil
	}
	switch f := f.(type) {
	case *wire.Subscribe:
		if err := c.allow(policy.Consume, f.Command, f.Group); err != nil {
			c.send(&wire.SubAck{SubID: f.SubID, Code: wire.CodeForbidden, Message: err.Error()})
			return nil
		}
		if c.clusterFrame(f) {
			return nil
		}
		b.mu.Lock()
		acts, err := b.router.Subscribe(now, c.id, f.SubID, f.Command, f.Group, int(f.Credit), f.Ephemeral)
		c.queue(&wire.SubAck{SubID: f.SubID, Code: routerCode(err), Message: errText(err)})
		b.exec(acts)
		c.unlock()
		if err != nil {
			b.log.Warn("teomq: subscribe refused", "peer", c.addr, "command", f.Command, "group", f.Group, "err", err)
		} else {
			b.log.Debug("teomq: subscribed", "peer", c.addr, "command", f.Command, "group", f.Group, "credit", f.Credit)
		}
	case *wire.Unsubscribe:
		b.mu.Lock()
		acts, err := b.router.Unsubscribe(now, c.id, f.SubID)
		c.queue(&wire.SubAck{SubID: f.SubID, Code: routerCode(err), Message: errText(err)})
		b.exec(acts)
		c.unlock()
	case *wire.Credit:
		b.mu.Lock()
		acts, err := b.router.SetCredit(now, c.id, f.SubID, int(f.N))
		b.exec(acts)
		c.unlock()
		if err != nil {
			c.refuse(err, wire.ID{})
		}
	case *wire.Touch:
		b.mu.Lock()
		err := b.router.Touch(now, c.id, router.ID(f.ID), int(f.Attempt), time.Duration(f.Millis)*time.Millisecond)
		c.unlock()
		if err != nil {
			c.refuse(err, f.ID)
		}
	case *wire.Cancel:
		b.mu.Lock()
		acts, err := b.router.Cancel(now, c.id, router.ID(f.ID))
		b.exec(acts)
		c.unlock()
		if err != nil {
			// Answered or dropped meanwhile (or never this peer's):
			// there is nothing left to cancel, and nothing to tell.
			b.log.Debug("teomq: nothing to cancel", "peer", c.addr, "id", MessageID(f.ID), "err", err)
		}
	case *wire.Ping:
		c.send(&wire.Pong{Nonce: f.Nonce})
	case *wire.Pong:
	case *wire.AdminRequest:
		c.onAdmin(f)
	default:
		return fmt.Errorf("%w: a client may not send %T", errBrokerFrame, f)
	}
	return nil
}

// errBrokerFrame reports a broker-to-client frame sent by a client.
var errBrokerFrame = errors.New("frame not allowed from a client")

// onPublish admits a message and hands it to the store.
func (c *brokerConn) onPublish(f *wire.Publish) {
	b := c.b
	if len(f.Data) > b.cfg.MaxMessageSize {
		c.confirm(f.ID, wire.CodeTooLarge, fmt.Sprintf("%d bytes, limit %d", len(f.Data), b.cfg.MaxMessageSize))
		return
	}
	if err := c.allow(policy.Publish, f.Command, ""); err != nil {
		c.confirm(f.ID, wire.CodeForbidden, err.Error())
		return
	}
	m := &router.Message{
		ID:      router.ID(f.ID),
		Command: f.Command,
		From:    c.addr,
		Request: f.Flags&wire.FlagRequest != 0,
		Data:    keepFrame(c.ch, f.Data),

		AnswerGroup: f.AnswerGroup,
	}
	if f.Deadline != 0 {
		m.Deadline = time.UnixMilli(f.Deadline)
	}
	if b.cluster != nil {
		b.cluster.Publish(c.id, m)
		return
	}
	now := time.Now()
	b.mu.Lock()
	if err := b.storeRefusal(); err != nil {
		c.unlock()
		c.confirm(f.ID, storeCode(err), err.Error())
		return
	}
	if why := b.disk.refusal(len(m.Data)); why != "" {
		c.unlock()
		c.confirm(f.ID, wire.CodeDiskBudget, why)
		return
	}
	acts, err := b.router.Admit(now, c.id, m)
	if err != nil {
		b.exec(acts)
		c.unlock()
		if errors.Is(err, router.ErrDuplicate) {
			if !m.Request { // a request gets its result instead
				c.confirm(f.ID, wire.CodeOK, "")
			}
			return
		}
		c.confirm(f.ID, routerCode(err), err.Error())
		return
	}
	b.disk.charge(len(m.Data))
	c.unlock()
	p := &pendingPublish{conn: c, msg: m, received: now, data: m.Data}
	if b.inline {
		c.single[0] = p
		b.commit(c.single[:], c.unlock)
		c.single[0] = nil
		return
	}
	select {
	case b.commitQ <- p:
	case <-b.exit:
		b.mu.Lock()
		b.router.Abort(m)
		c.unlock()
		c.confirm(f.ID, wire.CodeShutdown, "")
	}
}

// allow checks an action against the peer's rights; a refusal is counted
// and logged, rate-limited. The connection stays open.
func (c *brokerConn) allow(a policy.Action, command, group string) error {
	err := c.grants.Load().Allow(a, command, group)
	if err != nil {
		c.b.refused.Add(1)
		if more, ok := c.refusals.Allow(); ok {
			c.b.log.Warn("teomq: action refused by the policy", "peer", c.addr, "err", err, "more", more)
		}
		// A peer refused more than maxRefusals times within one log
		// interval is not mistaken but insisting: its connection ends.
		now := time.Now()
		if now.Sub(c.refusedSince) > badFrameLogInterval {
			c.refusedSince, c.refusedCount = now, 0
		}
		if c.refusedCount++; c.refusedCount > maxRefusals {
			c.persistent = fmt.Errorf("%w: %d within %v", errRefusedTooOften, c.refusedCount, badFrameLogInterval)
		}
	}
	return err
}

// maxRefusals is how many refused actions within badFrameLogInterval end
// a peer's connection.
const maxRefusals = 1000

// errRefusedTooOften ends the connection of a peer that keeps asking for
// what the policy refuses it.
var errRefusedTooOften = errors.New("too many refused actions")

// onAnswer takes a consumer's answer.
func (c *brokerConn) onAnswer(f *wire.Answer) error {
	b := c.b
	kind := router.Reply
	switch f.Kind {
	case wire.AnswerError:
		kind = router.Fail
	case wire.AnswerRetry:
		kind = router.Retry
	case wire.AnswerReply:
	default:
		return fmt.Errorf("%w: answer kind %d", wire.ErrMalformed, f.Kind)
	}
	data := keepFrame(c.ch, f.Data)
	if b.cluster != nil {
		if err := b.cluster.Answer(c.id, router.ID(f.ID), int(f.Attempt), kind, data); err != nil {
			c.refuse(err, f.ID)
		}
		return nil
	}
	b.mu.Lock()
	acts, err := b.router.Answer(time.Now(), c.id, router.ID(f.ID), int(f.Attempt), kind, data)
	b.exec(acts)
	c.unlock()
	if err != nil {
		c.refuse(err, f.ID)
	}
	return nil
}

// confirm sends a publish's confirm. A refusal is counted, except a
// forbidden publish, which allow counted.
func (c *brokerConn) confirm(id wire.ID, code wire.Code, msg string) {
	if code != wire.CodeOK && code != wire.CodeForbidden {
		c.b.metrics.refusedPublish(code)
	}
	c.send(&wire.Confirm{ID: id, Code: code, Message: msg})
}

// send queues a frame to the peer. A failed send means the connection is
// gone; its read loop cleans up.
func (c *brokerConn) send(f wire.Frame) {
	_ = c.ch.SendAppend(f.AppendTo)
}

// refuse tells the peer about a frame it may not send now (a stale
// attempt, an unknown message or subscription) and logs it, rate-limited;
// the connection keeps serving.
func (c *brokerConn) refuse(err error, ref wire.ID) {
	code := routerCode(err)
	c.logBadFrame("teomq: refused frame from peer", code, err)
	c.send(&wire.Error{Code: code, Ref: ref, Message: err.Error()})
}

// fatal tells the peer about a frame that ends its connection (one that
// does not decode, or that only a broker sends) and logs it, rate-limited.
// The caller closes the connection, which writes the error frame first.
func (c *brokerConn) fatal(err error) {
	code := wire.CodeMalformed
	switch {
	case errors.Is(err, wire.ErrVersion):
		code = wire.CodeBadVersion
	case errors.Is(err, wire.ErrUnknownType):
		code = wire.CodeUnknownType
	case errors.Is(err, errBrokerFrame), errors.Is(err, errRefusedTooOften):
		code = wire.CodeForbidden
	}
	c.b.protocolErrors.Add(1)
	c.logBadFrame("teomq: bad frame from peer; closing its connection", code, err)
	if c.ch.QueueAppend((&wire.Error{Code: code, Fatal: true, Message: err.Error()}).AppendTo) == nil {
		_ = c.ch.Flush()
	}
}

// logBadFrame logs a frame the peer got wrong: at most one line per
// badFrameLogInterval and peer, with the count of the ones not logged.
func (c *brokerConn) logBadFrame(msg string, code wire.Code, err error) {
	if more, ok := c.badFrames.Allow(); ok {
		c.b.log.Warn(msg, "peer", c.addr, "code", code, "err", err, "more", more)
	}
}

// badFrameLogInterval is the least time between two log lines about one
// peer's bad frames.
const badFrameLogInterval = 10 * time.Second

// routerCode maps a router (or engine) error to its wire code.
func routerCode(err error) wire.Code {
	switch {
	case err == nil:
		return wire.CodeOK
	case errors.Is(err, router.ErrQueueFull):
		return wire.CodeQueueFull
	case errors.Is(err, router.ErrIDInUse):
		return wire.CodeIDInUse
	case errors.Is(err, router.ErrNoAnswerGroup):
		return wire.CodeNoAnswerGroup
	case errors.Is(err, router.ErrBadName):
		return wire.CodeBadCommand
	case errors.Is(err, router.ErrUnknownID):
		return wire.CodeUnknownID
	case errors.Is(err, router.ErrStaleAttempt):
		return wire.CodeStaleAttempt
	case errors.Is(err, engine.ErrUnavailable):
		return wire.CodeStoreUnavailable
	case errors.Is(err, engine.ErrClosed):
		return wire.CodeShutdown
	}
	return wire.CodeMalformed
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
