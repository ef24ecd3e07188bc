package teomq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const (
	// webFrameHeaderLen is the length prefix of each frame in a message.
	webFrameHeaderLen = 4

	// webCloseTimeout bounds how long closing waits for queued frames and
	// the close handshake before it drops the connection.
	webCloseTimeout = time.Second

	// webRetainBuffer is the largest read buffer kept after a message that
	// used under a quarter of it.
	webRetainBuffer = 1 << 20
)

// webConn is a broker's connection to a browser peer: a WebSocket that
// passed the web handshake. It implements peerConn: Recv is called from
// one goroutine (the brokerConn's serve loop), SendAppend and Close from
// any.
//
// Each binary WebSocket message carries one or more frames, each prefixed
// with its 4-byte big-endian length, up to maxMessage bytes. SendAppend
// queues frames for the connection's writer goroutine, which the webConn
// starts and Close stops: each time it wakes it takes the whole queue and
// writes it in as few messages as the limit allows, so frames that pile up
// during a write share the next message while an idle connection writes
// at once. The writer pings (a wire Ping frame) after keepAlive without
// writes, and closes the connection when a Recv has waited 3*keepAlive.
type webConn struct {
	conn       *websocket.Conn
	peer       string
	remote     net.Addr
	log        *slog.Logger
	maxFrame   int
	maxMessage int
	maxQueue   int
	keepAlive  time.Duration

	// ctx ends every read and write when cancelled (abort): the WebSocket
	// library closes the socket when the context of an operation ends.
	ctx   context.Context
	abort context.CancelFunc

	// Read side, used by the goroutine calling Recv.
	msg []byte // the last message read
	off int    // offset of its next frame
	// readWaitSince is when (nanoseconds since epoch, plus 1) the pending
	// read started; 0 while none waits. The writer closes the connection
	// when it exceeds 3*keepAlive.
	readWaitSince atomic.Int64
	epoch         time.Time // origin of readWaitSince, on the monotonic clock

	mu      sync.Mutex // guards pending and cause
	pending []byte     // length-prefixed frames queued for the writer
	cause   error      // why the connection closed; nil while open

	wake chan struct{} // capacity 1; signals the writer that pending is non-empty
	quit chan struct{} // closed when closing starts
	done chan struct{} // closed when the writer has exited and the socket is closed
}

var _ peerConn = (*webConn)(nil)

// webConnConfig configures a webConn.
type webConnConfig struct {
	peer       string   // the page's authenticated address
	remote     net.Addr // the browser's network address
	log        *slog.Logger
	maxFrame   int
	maxMessage int
	maxQueue   int // bytes queued past which the peer is dropped as slow
	keepAlive  time.Duration
}

// newWebConn wraps an authenticated WebSocket and starts its writer.
func newWebConn(conn *websocket.Conn, cfg webConnConfig) *webConn {
	c := &webConn{
		conn:       conn,
		peer:       cfg.peer,
		remote:     cfg.remote,
		log:        cfg.log,
		maxFrame:   cfg.maxFrame,
		maxMessage: cfg.maxMessage,
		maxQueue:   cfg.maxQueue,
		keepAlive:  cfg.keepAlive,
		epoch:      time.Now(),
		wake:       make(chan struct{}, 1),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.ctx, c.abort = context.WithCancel(context.Background())
	go c.writeLoop() // owned by the webConn; stopped by Close or a failure
	return c
}

// PeerAddress returns the page's authenticated Teonet address.
func (c *webConn) PeerAddress() string { return c.peer }

// RemoteAddr returns the browser's network address.
func (c *webConn) RemoteAddr() net.Addr { return c.remote }

// SendAppend queues the frame fn appends to dst for the writer. fn runs
// with the queue locked: it must be quick and must not retain dst. A frame
// that is empty or over the frame limit is not queued. When the queue is
// over maxQueue the connection is closed instead: the caller may hold the
// broker's lock and must not wait.
func (c *webConn) SendAppend(fn func(dst []byte) []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause != nil {
		return c.cause
	}
	if len(c.pending) > c.maxQueue {
		c.closeLocked(fmt.Errorf("%w: over %d bytes wait to be sent", errWebSlowPeer, c.maxQueue))
		return c.cause
	}
	start := len(c.pending)
	buf := fn(append(c.pending, 0, 0, 0, 0))
	switch n := len(buf) - start - webFrameHeaderLen; {
	case n <= 0:
		return errWebEmptyFrame
	case n > c.maxFrame:
		return fmt.Errorf("%w: frame of %d bytes, limit %d", errWebTooLarge, n, c.maxFrame)
	default:
		binary.BigEndian.PutUint32(buf[start:], uint32(n))
	}
	c.pending = buf
	if start == 0 {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Recv returns the next frame, valid until the next Recv. It reads a new
// message when the last one is used up. On any error the connection is
// closed and the error is the cause.
func (c *webConn) Recv() ([]byte, error) {
	for c.off == len(c.msg) {
		if err := c.readMessage(); err != nil {
			c.closeWith(err)
			return nil, c.Err()
		}
	}
	frame, err := c.nextFrame()
	if err != nil {
		c.closeWith(err)
		return nil, c.Err()
	}
	return frame, nil
}

// nextFrame cuts the next frame from the current message.
func (c *webConn) nextFrame() ([]byte, error) {
	rest := c.msg[c.off:]
	if len(rest) < webFrameHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes left where a 4-byte frame length belongs", errWebFraming, len(rest))
	}
	n := int(binary.BigEndian.Uint32(rest))
	switch {
	case n == 0:
		return nil, fmt.Errorf("%w: empty frame", errWebFraming)
	case n > c.maxFrame:
		return nil, fmt.Errorf("%w: frame of %d bytes, limit %d", errWebTooLarge, n, c.maxFrame)
	case n > len(rest)-webFrameHeaderLen:
		return nil, fmt.Errorf("%w: frame of %d bytes runs past its message", errWebFraming, n)
	}
	c.off += webFrameHeaderLen + n
	return rest[webFrameHeaderLen : webFrameHeaderLen+n : webFrameHeaderLen+n], nil
}

// readMessage reads the next message into c.msg. The writer closes the
// connection when it waits 3*keepAlive: the writer pings the page each
// keepAlive, and the page answers.
func (c *webConn) readMessage() error {
	c.readWaitSince.Store(c.sinceEpoch())
	defer c.readWaitSince.Store(0)
	typ, r, err := c.conn.Reader(c.ctx)
	if err != nil {
		return c.readCause(err)
	}
	if typ != websocket.MessageBinary {
		return fmt.Errorf("%w: text message; frames travel in binary messages", errWebFraming)
	}
	buf := c.msg[:0]
	if cap(buf) > webRetainBuffer && len(c.msg) < cap(buf)/4 {
		buf = nil
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 4<<10), c.maxMessage+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > c.maxMessage {
			return fmt.Errorf("%w: message over the %d-byte limit", errWebTooLarge, c.maxMessage)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return c.readCause(err)
		}
	}
	if len(buf) == 0 {
		return fmt.Errorf("%w: empty message", errWebFraming)
	}
	c.msg, c.off = buf, 0
	return nil
}

// readCause turns a read error into the cause of the close.
func (c *webConn) readCause(err error) error {
	if cause := c.Err(); cause != nil {
		return cause // closing already: the error is its consequence
	}
	if status := websocket.CloseStatus(err); status != -1 {
		return fmt.Errorf("%w: status %d", errWebPeerClosed, status)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%w: %w", errWebPeerClosed, err)
	}
	return fmt.Errorf("teomq: web read: %w", err)
}

// Close closes the connection: queued frames are written and the browser
// is told the broker closed it, when that takes under webCloseTimeout;
// then the socket is closed. Safe to call twice and from any goroutine;
// it returns once the socket is closed, and always nil.
func (c *webConn) Close() error {
	c.closeWith(errWebClosed)
	<-c.done
	return nil
}

// sinceEpoch returns the time since c.epoch plus 1, so that it is never 0.
func (c *webConn) sinceEpoch() int64 {
	return int64(time.Since(c.epoch)) + 1
}

// Err returns why the connection closed, or nil while it is open.
func (c *webConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// closeWith starts closing with cause unless closing started already.
func (c *webConn) closeWith(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(cause)
}

// closeLocked is closeWith with c.mu held.
func (c *webConn) closeLocked(cause error) {
	if c.cause != nil {
		return
	}
	c.cause = cause
	close(c.quit)
}

// QueueAppend queues a frame as SendAppend does: a browser connection's
// frames are always written by its writer goroutine, which batches them.
func (c *webConn) QueueAppend(fn func(dst []byte) []byte) error { return c.SendAppend(fn) }

// Flush does nothing: the writer goroutine was woken by QueueAppend.
func (c *webConn) Flush() error { return nil }

// FlushAsync does nothing: the writer goroutine was woken by QueueAppend.
func (c *webConn) FlushAsync() error { return nil }

// RecvReady reports whether the current WebSocket message holds another
// frame, so that Recv returns without waiting.
func (c *webConn) RecvReady() bool { return c.off < len(c.msg) }
