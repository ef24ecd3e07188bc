package teonet

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// sendHighWater is how many queued bytes make Send block until the
	// writer takes them.
	sendHighWater = 8 << 20

	// closeFlushTimeout bounds how long Close waits for queued frames to be
	// written before it drops them and closes the connection.
	closeFlushTimeout = time.Second
)

// Channel is an authenticated, framed connection to one peer node.
//
// Send and SendAppend queue frames for the channel's writer goroutine and
// are safe for concurrent use; Recv is called from one goroutine. Close,
// Done and Err are safe for concurrent use. A channel closes when either
// side closes it, on an I/O error, on a frame over the limit, or when the
// peer goes silent (ErrPeerTimeout); Err then tells why.
type Channel struct {
	conn      *tls.Conn
	raw       net.Conn // conn's TCP connection, closed directly to abort
	node      *Node
	local     string
	peer      string
	log       *slog.Logger
	maxFrame  int
	keepAlive time.Duration
	epoch     time.Time // origin of readWaitSince, on the monotonic clock

	// Read side, used by the goroutine calling Recv.
	fr *frameReader
	// readWaitSince is when (nanoseconds since epoch, plus 1) a read from
	// conn started and has not yet returned; 0 while no read is waiting.
	// The writer closes the channel when it exceeds 3*keepAlive.
	readWaitSince atomic.Int64

	mu      sync.Mutex // guards pending and cause
	space   sync.Cond  // on mu; broadcast when the writer takes pending, or on close
	pending []byte     // frames queued for the writer
	cause   error      // why the channel closed; nil while open
	closing atomic.Bool

	wake chan struct{} // capacity 1; signals the writer that pending is non-empty
	quit chan struct{} // closed when closing starts
	done chan struct{} // closed when the writer has exited and conn is closed
}

// newChannel wraps an established connection to peer and starts its
// writer goroutine, which the channel owns and Close stops.
func newChannel(n *Node, conn *tls.Conn, raw net.Conn, peer string) *Channel {
	c := &Channel{
		conn:      conn,
		raw:       raw,
		node:      n,
		local:     n.addr,
		peer:      peer,
		log:       n.log.With("peer", peer, "remote", raw.RemoteAddr().String()),
		maxFrame:  n.cfg.MaxFrame,
		keepAlive: n.cfg.KeepAlive,
		epoch:     time.Now(),
		wake:      make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	c.space.L = &c.mu
	c.fr = newFrameReader(waitTrackingReader{c}, readBufferSize, c.maxFrame)
	go c.writeLoop()
	return c
}

// PeerAddress returns the authenticated address of the peer.
func (c *Channel) PeerAddress() string { return c.peer }

// LocalAddress returns the address of this side's node.
func (c *Channel) LocalAddress() string { return c.local }

// RemoteAddr returns the peer's network address.
func (c *Channel) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// Send queues a copy of frame and returns without waiting for the write.
// It blocks while more than a high-water mark (8 MiB) is queued, until the
// writer takes it or the channel closes. It returns ErrEmptyFrame for an
// empty frame, a *FrameTooLargeError past Config.MaxFrame, and after close
// an error matching ErrClosed and the cause.
func (c *Channel) Send(frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if len(frame) > c.maxFrame {
		return &FrameTooLargeError{Size: int64(len(frame)), Limit: c.maxFrame}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.waitSpaceLocked(); err != nil {
		return err
	}
	wasIdle := len(c.pending) == 0
	c.pending = appendFrame(c.pending, frame)
	if wasIdle {
		c.signalWriter()
	}
	return nil
}

// SendAppend queues one frame whose payload fn appends to dst, encoding
// straight into the send queue without a copy; otherwise it is Send. fn
// runs with the channel's queue locked: it must be quick, must not retain
// dst, and must not call the channel's methods. If fn appends nothing the
// result is ErrEmptyFrame, if it appends more than Config.MaxFrame a
// *FrameTooLargeError, and either way nothing is queued.
func (c *Channel) SendAppend(fn func(dst []byte) []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.waitSpaceLocked(); err != nil {
		return err
	}
	start := len(c.pending)
	buf := fn(append(c.pending, 0, 0, 0, 0))
	n := len(buf) - start - frameHeaderLen
	switch {
	case n <= 0:
		return ErrEmptyFrame
	case n > c.maxFrame:
		return &FrameTooLargeError{Size: int64(n), Limit: c.maxFrame}
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(n))
	c.pending = buf
	if start == 0 {
		c.signalWriter()
	}
	return nil
}

// waitSpaceLocked waits, with c.mu held, until the queue is under the
// high-water mark or the channel closes.
func (c *Channel) waitSpaceLocked() error {
	for c.cause == nil && len(c.pending) > sendHighWater {
		c.space.Wait()
	}
	if c.cause != nil {
		return &closedError{cause: c.cause}
	}
	return nil
}

// signalWriter wakes the writer without blocking; one pending signal is
// enough, as the writer takes the whole queue.
func (c *Channel) signalWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Recv returns the payload of the next frame. The slice is valid until the
// next Recv, which reuses its memory. Keepalives are consumed here and
// never returned. Recv is called from one goroutine. On any error the
// channel is closed and the error matches ErrClosed and the cause, such as
// ErrPeerClosed, ErrPeerTimeout or ErrFrameTooLarge.
func (c *Channel) Recv() ([]byte, error) {
	if c.closing.Load() {
		return nil, c.closedErr()
	}
	p, err := c.fr.next()
	if err != nil {
		c.closeWith(readCause(err))
		return nil, c.closedErr()
	}
	return p, nil
}

// readCause turns a read error into the cause of the channel's close.
func readCause(err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return ErrPeerClosed
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w inside a frame", ErrPeerClosed)
	case errors.Is(err, ErrFrameTooLarge):
		return err
	}
	return fmt.Errorf("teonet: read: %w", err)
}

// Close closes the channel. Frames already queued are written first if
// that takes less than a second; then the connection is closed. Close is
// safe to call more than once and from any goroutine; it returns once the
// connection is closed, and always nil.
func (c *Channel) Close() error {
	if !c.closeWith(ErrClosed) {
		<-c.done
		return nil
	}
	t := time.NewTimer(closeFlushTimeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.raw.Close()
		<-c.done
	}
	return nil
}

// Done returns a channel that is closed when the channel has closed, from
// either side and for any reason.
func (c *Channel) Done() <-chan struct{} { return c.done }

// Err returns why the channel closed: ErrClosed after a local Close,
// ErrPeerClosed, ErrPeerTimeout, a *FrameTooLargeError, or an I/O error.
// It returns nil while the channel is open.
func (c *Channel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// closeWith starts closing the channel with cause, unless it is already
// closing, and reports whether it did. Any cause but a local Close aborts
// the connection at once, ending a blocked Recv or write.
func (c *Channel) closeWith(cause error) bool {
	c.mu.Lock()
	if c.cause != nil {
		c.mu.Unlock()
		return false
	}
	c.cause = cause
	c.closing.Store(true)
	c.mu.Unlock()
	c.space.Broadcast()
	close(c.quit)
	if cause != ErrClosed {
		c.raw.Close()
	}
	return true
}

// closedErr is the error of operations on the closed channel.
func (c *Channel) closedErr() error {
	return &closedError{cause: c.Err()}
}

// sinceEpoch returns the time since c.epoch plus 1, so that it is never 0.
func (c *Channel) sinceEpoch() int64 {
	return int64(time.Since(c.epoch)) + 1
}

// waitTrackingReader reads from the channel's connection, recording in
// readWaitSince how long the current read has been waiting.
type waitTrackingReader struct {
	c *Channel
}

func (r waitTrackingReader) Read(p []byte) (int, error) {
	r.c.readWaitSince.Store(r.c.sinceEpoch())
	n, err := r.c.conn.Read(p)
	r.c.readWaitSince.Store(0)
	return n, err
}
