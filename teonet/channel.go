package teonet

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
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
// Send and SendAppend are safe for concurrent use: on an idle channel the
// sender writes its frame itself; otherwise frames are queued and the
// channel's writer goroutine writes them in batches. Recv is called from
// one goroutine. Close, Done and Err are safe for concurrent use. A
// channel closes when either side closes it, on an I/O error, on a frame
// over the limit, when the peer goes silent (ErrPeerTimeout) or leaves a
// frame incomplete for too long (ErrFrameTimeout); Err then tells why.
type Channel struct {
	conn      *tls.Conn
	raw       net.Conn // conn's TCP connection, closed directly to abort
	node      *Node
	local     string
	peer      string
	log       *slog.Logger
	maxFrame  int
	maxQueue  int // bytes queued past which QueueAppend drops the peer
	keepAlive time.Duration
	// frameTimeout bounds how long a frame may take once it has begun to
	// arrive (Config.FrameTimeout); the writer enforces it.
	frameTimeout time.Duration
	epoch        time.Time // origin of readWaitSince, on the monotonic clock
	// onClose, if set, runs once when the channel has closed: a Listener
	// counts its open channels with it.
	onClose func()

	// Read side, used by the goroutine calling Recv.
	fr *frameReader
	// readWaitSince is when (nanoseconds since epoch, plus 1) a read from
	// conn started and has not yet returned; 0 while no read is waiting.
	// The writer closes the channel when it exceeds 3*keepAlive.
	readWaitSince atomic.Int64

	mu      sync.Mutex // guards pending, cause, writing, busyUntil and writerHook
	space   sync.Cond  // on mu; broadcast when a batch is taken from pending, or on close
	idle    sync.Cond  // on mu; broadcast when the write token is released
	pending []byte     // frames queued for the next write
	cause   error      // why the channel closed; nil while open
	closing atomic.Bool

	// writing is the write token: while it is set, one goroutine (the
	// writer goroutine or a sender writing inline) owns w and is the only
	// one writing to conn. Senders then only queue; the owner hands the
	// queue to the writer goroutine when it releases the token.
	writing bool
	// busyUntil is when (as sinceEpoch) the last write ended plus its
	// duration. A Send before then finds the channel busy with
	// back-to-back writes and leaves its frame to the writer goroutine, so
	// that frames from a fast sender share writes.
	busyUntil int64
	// writerHook, if set, runs in the writer goroutine before it takes a
	// batch; tests use it to hold the writer goroutine.
	writerHook func()
	w          connWriter // owned by the holder of the write token
	// lastWrite is when (as sinceEpoch) the last write started.
	lastWrite atomic.Int64

	wake chan struct{} // capacity 1; signals the writer that pending is non-empty
	quit chan struct{} // closed when closing starts
	done chan struct{} // closed when the writer has exited and conn is closed
}

// newChannel wraps an established connection to peer and starts its
// writer goroutine, which the channel owns and Close stops. onClose, if
// not nil, runs once the channel has closed.
func newChannel(n *Node, conn *tls.Conn, raw net.Conn, peer string, onClose func()) *Channel {
	c := &Channel{
		conn:         conn,
		raw:          raw,
		node:         n,
		local:        n.addr,
		peer:         peer,
		log:          n.log.With("peer", peer, "remote", raw.RemoteAddr().String()),
		maxFrame:     n.cfg.MaxFrame,
		maxQueue:     n.cfg.MaxQueue,
		keepAlive:    n.cfg.KeepAlive,
		frameTimeout: n.cfg.FrameTimeout,
		epoch:        time.Now(),
		onClose:      onClose,
		wake:         make(chan struct{}, 1),
		quit:         make(chan struct{}),
		done:         make(chan struct{}),
	}
	c.space.L = &c.mu
	c.idle.L = &c.mu
	c.lastWrite.Store(c.sinceEpoch())
	c.fr = newFrameReader(waitTrackingReader{c}, readBufferSize, c.maxFrame)
	c.fr.skipOversize = n.cfg.SkipOversize
	c.fr.mem, c.fr.quit, c.fr.now = n.frameMem, c.quit, c.sinceEpoch
	c.fr.begun = make(chan struct{}, 1)
	go c.writeLoop()
	return c
}

// PeerAddress returns the authenticated address of the peer.
func (c *Channel) PeerAddress() string { return c.peer }

// LocalAddress returns the address of this side's node.
func (c *Channel) LocalAddress() string { return c.local }

// RemoteAddr returns the peer's network address.
func (c *Channel) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

// Send queues a copy of frame for the peer. Send may write the frame to
// the connection in the calling goroutine when the channel is idle (no
// write in progress by any goroutine and nothing queued); it never waits
// for a write in progress by another goroutine, and it returns an error
// only if the channel is closed (a failed inline write closes it) or the
// frame is refused. Writing inline, Send blocks for the duration of one
// write syscall, bounded by the write deadline (a peer that accepts no
// bytes for three keepalive intervals is timed out); frames that other
// goroutines queue meanwhile are left to the writer goroutine. When the
// channel is not idle, or its last write ended so recently that frames are
// coming back to back, Send only queues the frame for the writer
// goroutine and returns without waiting for the write; it then blocks only
// while more than a high-water mark (8 MiB) is queued, until the writer
// takes it or the channel closes.
//
// Send refuses an empty frame with ErrEmptyFrame and one past
// Config.MaxFrame with a *FrameTooLargeError, queueing nothing. Once the
// channel is closed it returns an error matching ErrClosed and the cause.
func (c *Channel) Send(frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if len(frame) > c.maxFrame {
		return &FrameTooLargeError{Size: int64(len(frame)), Limit: c.maxFrame}
	}
	inline, err := c.queue(frame)
	if err != nil || !inline {
		return err
	}
	return c.writeInline(false)
}

// SendAppend queues one frame whose payload fn appends to dst, encoding
// straight into the send queue without a copy; otherwise it is Send,
// including its inline write on an idle channel. fn runs with the
// channel's queue locked: it must be quick, must not retain dst, and must
// not call the channel's methods. If fn appends nothing the result is
// ErrEmptyFrame, if it appends more than Config.MaxFrame a
// *FrameTooLargeError, and either way nothing is queued.
func (c *Channel) SendAppend(fn func(dst []byte) []byte) error {
	inline, err := c.queueAppend(fn)
	if err != nil || !inline {
		return err
	}
	return c.writeInline(false)
}

// SendAppendShared is SendAppend for one of several goroutines that send
// to this peer at the same time, such as a consumer's handlers answering:
// before it writes inline it yields the processor once, so that those of
// them ready to run queue their frames meanwhile and share the write.
func (c *Channel) SendAppendShared(fn func(dst []byte) []byte) error {
	inline, err := c.queueAppend(fn)
	if err != nil || !inline {
		return err
	}
	return c.writeInline(true)
}

// queue queues frame and reports whether the caller is to write inline
// (see queuedLocked).
func (c *Channel) queue(frame []byte) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.waitSpaceLocked(); err != nil {
		return false, err
	}
	wasEmpty := len(c.pending) == 0
	c.pending = appendFrame(c.pending, frame)
	return c.queuedLocked(wasEmpty), nil
}

// queueAppend queues the frame fn appends and reports whether the caller
// is to write inline (see queuedLocked).
func (c *Channel) queueAppend(fn func(dst []byte) []byte) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := len(c.pending)
	if err := c.appendLocked(fn); err != nil {
		return false, err
	}
	return c.queuedLocked(start == 0), nil
}

// appendLocked waits for room in the queue, then appends the frame fn
// makes, with c.mu held.
func (c *Channel) appendLocked(fn func(dst []byte) []byte) error {
	if err := c.waitSpaceLocked(); err != nil {
		return err
	}
	return c.appendFrameLocked(fn)
}

// appendFrameLocked appends the frame fn makes to the queue, with c.mu held.
func (c *Channel) appendFrameLocked(fn func(dst []byte) []byte) error {
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
	return nil
}

// QueueAppend queues one frame as SendAppend does but never writes, wakes
// the writer or waits: the frame goes out with the next Flush, or with a
// write that is already in progress. It lets a caller queue several frames
// while it holds a lock of its own and write them together after releasing
// it. It does not wait for the queue to drain below the high-water mark,
// as Send does: a caller holding a lock must not wait for one peer. A queue
// over Config.MaxQueue closes the channel with ErrSlowPeer.
func (c *Channel) QueueAppend(fn func(dst []byte) []byte) error {
	c.mu.Lock()
	if c.cause == nil && len(c.pending) > c.maxQueue {
		c.mu.Unlock()
		c.closeWith(fmt.Errorf("%w: over %d bytes queued", ErrSlowPeer, c.maxQueue))
		return c.closedErr()
	}
	defer c.mu.Unlock()
	if c.cause != nil {
		return &closedError{cause: c.cause}
	}
	return c.appendFrameLocked(fn)
}

// Flush starts the write of what QueueAppend queued: in the calling
// goroutine when the channel is idle (as Send does), otherwise by the write
// in progress or the writer goroutine. Writing itself, it first yields the
// processor once, so that goroutines ready to run can queue frames that
// share the write: use it where several goroutines send to one peer. As
// a write may block until the peer reads (up to the write deadline), call
// it only from a goroutine that may wait for this peer; others use
// FlushAsync. It returns an error only if the channel is closed.
func (c *Channel) Flush() error {
	c.mu.Lock()
	if c.cause != nil {
		c.mu.Unlock()
		return c.closedErr()
	}
	if len(c.pending) == 0 || c.writing {
		c.mu.Unlock()
		return nil
	}
	if c.sinceEpoch() < c.busyUntil {
		c.signalWriter()
		c.mu.Unlock()
		return nil
	}
	c.writing = true
	c.mu.Unlock()
	return c.writeInline(true)
}

// FlushAsync starts the write of what QueueAppend queued on the channel's
// writer goroutine and returns at once: it never writes, yields or waits,
// so a goroutine that serves many peers can call it without one peer that
// stops reading holding it up. It returns an error only if the channel is
// closed.
func (c *Channel) FlushAsync() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause != nil {
		return &closedError{cause: c.cause}
	}
	if len(c.pending) > 0 && !c.writing {
		c.signalWriter()
	}
	return nil
}

// queuedLocked runs, with c.mu held, once a send has queued its frame. If
// the frame is the only one queued and nobody is writing, the channel is
// idle: it gives the caller the write token and reports that the caller is
// to write the queue itself. Only if the last write ended so recently that
// frames are coming back to back does it wake the writer goroutine
// instead, so that they share its batches. A frame queued behind others
// needs nothing: whoever queued the first woke the writer, or the write in
// progress hands the queue on when it ends.
func (c *Channel) queuedLocked(wasEmpty bool) bool {
	if !wasEmpty || c.writing {
		return false
	}
	if c.sinceEpoch() < c.busyUntil {
		c.signalWriter()
		return false
	}
	c.writing = true
	return true
}

// writeInline writes the queue for a caller that queuedLocked or Flush
// gave the write token, and reports the channel closed if the write
// failed. With yield set it first yields the processor once: goroutines
// that are ready to run, such as other senders to this peer, queue their
// frames meanwhile and share the write, which saves a system call each.
// With nothing else ready to run, the yield returns at once.
func (c *Channel) writeInline(yield bool) error {
	if yield {
		runtime.Gosched()
	}
	c.mu.Lock()
	batch := c.takeBatchLocked()
	c.mu.Unlock()
	c.space.Broadcast()
	if c.writeBatch(batch) != nil {
		return c.closedErr()
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
// ErrPeerClosed, ErrPeerTimeout or ErrFrameTooLarge; except that with
// Config.SkipOversize a frame over the limit is skipped and reported by a
// *FrameTooLargeError with Skipped set, and the channel stays open.
func (c *Channel) Recv() ([]byte, error) {
	if c.closing.Load() {
		return nil, c.closedErr()
	}
	p, err := c.fr.next()
	if err != nil {
		if tooLarge, ok := errors.AsType[*FrameTooLargeError](err); ok && tooLarge.Skipped {
			return nil, err // the frame was read past: the channel stays open
		}
		c.closeWith(readCause(err))
		c.fr.dropLarge()
		return nil, c.closedErr()
	}
	return p, nil
}

// RecvReady reports whether a whole frame is already buffered, so that the
// next Recv returns without waiting for the network. Call it from the
// goroutine that calls Recv. A reader can use it to put off work that is
// better done once per burst of frames, such as flushing what it queued.
func (c *Channel) RecvReady() bool { return c.fr.ready() }

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
// ErrPeerClosed, ErrPeerTimeout, ErrFrameTimeout, a *FrameTooLargeError,
// or an I/O error.
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
