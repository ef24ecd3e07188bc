package teonet

import (
	"encoding/binary"
	"fmt"
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

// transport is how a sendQueue reaches its connection: a TLS stream
// (Channel) or a WebSocket (WebChannel). write and keepAlive are called
// only by the holder of the queue's write token; interrupt and abort from
// any goroutine; finish once, from the writer goroutine, as it exits.
type transport interface {
	// write writes b, whole length-prefixed frames, to the connection. A
	// peer that accepts nothing for 3*keepAlive fails it with an error
	// matching ErrPeerTimeout.
	write(b []byte) error
	// keepAlive writes a keepalive, which the peer never sees as a frame.
	keepAlive() error
	// fits reports whether write takes n bytes now without waiting for
	// the peer; false when the transport cannot tell. It is called with
	// the queue's lock held and its write token free.
	fits(n int) bool
	// interrupt runs when the queue closes for any cause but a local
	// Close: it may end a blocked read or write at once.
	interrupt()
	// abort closes the connection at once, when a Close has waited
	// closeFlushTimeout.
	abort()
	// finish closes the connection once the writer has stopped, and
	// releases what the transport holds; flushed reports that a local
	// Close wrote everything queued.
	finish(cause error, flushed bool)
}

// sendQueue is the write side shared by both kinds of channel: the queue
// of length-prefixed frames, the write token that lets one goroutine at a
// time write them, the writer goroutine with its keepalive and read-wait
// timer, and the close. The channel types embed it; its exported methods
// are theirs.
type sendQueue struct {
	t         transport
	maxFrame  int
	maxQueue  int // bytes queued past which QueueAppend drops the peer
	keepAlive time.Duration
	epoch     time.Time // origin of the *Since fields, on the monotonic clock

	// readWaitSince is when (nanoseconds since epoch, plus 1) a read from
	// the connection started and has not yet returned; 0 while no read is
	// waiting. The writer closes the channel when it exceeds 3*keepAlive.
	readWaitSince atomic.Int64
	// frameStarted, if not nil, is when (as sinceEpoch) a frame that has
	// begun to arrive first had to wait for more bytes; 0 between frames.
	// The writer closes the channel when that exceeds frameTimeout. begun
	// is signalled when it is set; nil when frameStarted is.
	frameStarted *atomic.Int64
	frameTimeout time.Duration
	begun        <-chan struct{}

	mu      sync.Mutex // guards pending, cause, writing, busyUntil and writerHook
	space   sync.Cond  // on mu; broadcast when a batch is taken from pending, or on close
	idle    sync.Cond  // on mu; broadcast when the write token is released
	pending []byte     // frames queued for the next write
	cause   error      // why the channel closed; nil while open
	closing atomic.Bool

	// writing is the write token: while it is set, one goroutine (the
	// writer goroutine or a sender writing inline) owns w and is the only
	// one writing to the connection. Senders then only queue; the owner
	// hands the queue to the writer goroutine when it releases the token.
	writing bool
	// busyUntil is when (as sinceEpoch) the last write ended plus its
	// duration. A Send before then finds the channel busy with
	// back-to-back writes and leaves its frame to the writer goroutine, so
	// that frames from a fast sender share writes.
	busyUntil int64
	// writerHook, if set, runs in the writer goroutine before it takes a
	// batch; tests use it to hold the writer goroutine.
	writerHook func()
	// yield gives other goroutines the processor before a shared write
	// (runtime.Gosched); tests replace it to hold a sender there. It is
	// set before the channel is used and called with no lock or token.
	yield func()
	w     batchBuffers // owned by the holder of the write token
	// lastWrite is when (as sinceEpoch) the last write started.
	lastWrite atomic.Int64

	wake chan struct{} // capacity 1; signals the writer that pending is non-empty
	quit chan struct{} // closed when closing starts
	done chan struct{} // closed when the writer has exited and the connection is closed
}

// init prepares q to write through t. The caller sets the frame-timeout
// fields, if any, and then starts the writer goroutine with start.
func (q *sendQueue) init(t transport, maxFrame, maxQueue int, keepAlive time.Duration) {
	q.t = t
	q.maxFrame, q.maxQueue, q.keepAlive = maxFrame, maxQueue, keepAlive
	q.epoch = time.Now()
	q.yield = runtime.Gosched
	q.space.L = &q.mu
	q.idle.L = &q.mu
	q.wake = make(chan struct{}, 1)
	q.quit = make(chan struct{})
	q.done = make(chan struct{})
	q.lastWrite.Store(q.sinceEpoch())
}

// start starts the writer goroutine, which the channel owns: it ends when
// the channel closes (Close, or a failure on either side).
func (q *sendQueue) start() { go q.writeLoop() }

// Send queues a copy of frame for the peer. Send may write the frame to
// the connection in the calling goroutine when the channel is idle (no
// write in progress by any goroutine and nothing queued); it never waits
// for a write in progress by another goroutine, and it returns an error
// only if the channel is closed (a failed inline write closes it) or the
// frame is refused. Writing inline, Send blocks for the duration of one
// write, bounded by the write deadline (a peer that accepts no bytes for
// three keepalive intervals is timed out); frames that other goroutines
// queue meanwhile are left to the writer goroutine. When the channel is
// not idle, or its last write ended so recently that frames are coming
// back to back, Send only queues the frame for the writer goroutine and
// returns without waiting for the write; it then blocks only while more
// than a high-water mark (8 MiB) is queued, until the writer takes it or
// the channel closes. Send is safe for concurrent use.
//
// Send refuses an empty frame with ErrEmptyFrame and one past the frame
// limit with a *FrameTooLargeError, queueing nothing. Once the channel is
// closed it returns an error matching ErrClosed and the cause.
func (q *sendQueue) Send(frame []byte) error {
	if len(frame) == 0 {
		return ErrEmptyFrame
	}
	if len(frame) > q.maxFrame {
		return &FrameTooLargeError{Size: int64(len(frame)), Limit: q.maxFrame}
	}
	inline, err := q.queue(frame)
	if err != nil || !inline {
		return err
	}
	return q.writeInline()
}

// SendAppend queues one frame whose payload fn appends to dst, encoding
// straight into the send queue without a copy; otherwise it is Send,
// including its inline write on an idle channel. fn runs with the
// channel's queue locked: it must be quick, must not retain dst, and must
// not call the channel's methods. If fn appends nothing the result is
// ErrEmptyFrame, if it appends more than the frame limit a
// *FrameTooLargeError, and either way nothing is queued. SendAppend is
// safe for concurrent use.
func (q *sendQueue) SendAppend(fn func(dst []byte) []byte) error {
	inline, err := q.queueAppend(fn)
	if err != nil || !inline {
		return err
	}
	return q.writeInline()
}

// SendAppendShared is SendAppend for one of several goroutines that send
// to this peer at the same time, such as a consumer's handlers answering:
// before it writes inline it yields the processor once, so that those of
// them ready to run queue their frames meanwhile and share the write. It
// holds no write token while it yields, so a write by another goroutine
// is never held up by it.
func (q *sendQueue) SendAppendShared(fn func(dst []byte) []byte) error {
	q.mu.Lock()
	err := q.waitSpaceLocked()
	wasEmpty := len(q.pending) == 0
	if err == nil {
		err = q.appendFrameLocked(fn)
	}
	first := err == nil && wasEmpty && !q.writing
	if first && q.sinceEpoch() < q.busyUntil {
		q.signalWriter()
		first = false
	}
	q.mu.Unlock()
	if !first {
		return err // see queuedLocked: whoever queued the first frame writes
	}
	return q.yieldThenWrite(false)
}

// queue queues frame and reports whether the caller is to write inline
// (see queuedLocked).
func (q *sendQueue) queue(frame []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.waitSpaceLocked(); err != nil {
		return false, err
	}
	wasEmpty := len(q.pending) == 0
	q.pending = appendFrame(q.pending, frame)
	return q.queuedLocked(wasEmpty), nil
}

// queueAppend queues the frame fn appends and reports whether the caller
// is to write inline (see queuedLocked).
func (q *sendQueue) queueAppend(fn func(dst []byte) []byte) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.waitSpaceLocked(); err != nil {
		return false, err
	}
	start := len(q.pending)
	if err := q.appendFrameLocked(fn); err != nil {
		return false, err
	}
	return q.queuedLocked(start == 0), nil
}

// appendFrameLocked appends the frame fn makes to the queue, with q.mu held.
func (q *sendQueue) appendFrameLocked(fn func(dst []byte) []byte) error {
	start := len(q.pending)
	buf := fn(append(q.pending, 0, 0, 0, 0))
	n := len(buf) - start - frameHeaderLen
	switch {
	case n <= 0:
		return ErrEmptyFrame
	case n > q.maxFrame:
		return &FrameTooLargeError{Size: int64(n), Limit: q.maxFrame}
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(n))
	q.pending = buf
	return nil
}

// QueueAppend queues one frame as SendAppend does but never writes, wakes
// the writer or waits: the frame goes out with the next Flush, or with a
// write that is already in progress. It lets a caller queue several frames
// while it holds a lock of its own and write them together after releasing
// it. It does not wait for the queue to drain below the high-water mark,
// as Send does: a caller holding a lock must not wait for one peer. A
// queue over its limit (Config.MaxQueue, WebConfig.MaxQueue) closes the
// channel with ErrSlowPeer. QueueAppend is safe for concurrent use.
func (q *sendQueue) QueueAppend(fn func(dst []byte) []byte) error {
	q.mu.Lock()
	if q.cause == nil && len(q.pending) > q.maxQueue {
		q.mu.Unlock()
		q.closeWith(fmt.Errorf("%w: over %d bytes queued", ErrSlowPeer, q.maxQueue))
		return q.closedErr()
	}
	defer q.mu.Unlock()
	if q.cause != nil {
		return &closedError{cause: q.cause}
	}
	return q.appendFrameLocked(fn)
}

// Flush starts the write of what QueueAppend queued: in the calling
// goroutine when the channel is idle (as Send does), otherwise by the write
// in progress or the writer goroutine. Before writing itself, it yields
// the processor once, holding no write token, so that goroutines ready to
// run can queue frames that share the write: use it where several
// goroutines send to one peer. As a write may block until the peer reads
// (up to the write deadline), call it only from a goroutine that may wait
// for this peer; others use FlushAsync. It returns an error only if the
// channel is closed.
func (q *sendQueue) Flush() error {
	q.mu.Lock()
	if q.cause != nil {
		q.mu.Unlock()
		return q.closedErr()
	}
	if len(q.pending) == 0 || q.writing {
		q.mu.Unlock()
		return nil
	}
	if q.sinceEpoch() < q.busyUntil {
		q.signalWriter()
		q.mu.Unlock()
		return nil
	}
	q.mu.Unlock()
	return q.yieldThenWrite(false)
}

// FlushAsync starts the write of what QueueAppend queued on the channel's
// writer goroutine and returns at once: it never writes, yields or waits,
// so a goroutine that serves many peers can call it without one peer that
// stops reading holding it up. It returns an error only if the channel is
// closed.
func (q *sendQueue) FlushAsync() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cause != nil {
		return &closedError{cause: q.cause}
	}
	if len(q.pending) > 0 && !q.writing {
		q.signalWriter()
	}
	return nil
}

// FlushIfRoom is FlushAsync, except that when the channel is idle and its
// connection takes everything queued at once (the socket buffer has room
// for it), it writes in the calling goroutine: that saves the hand-off to
// the writer goroutine, and cannot wait for the peer. Before writing
// itself, it yields the processor once, holding no write token, as Flush
// does, so that frames of goroutines ready to run share the write. A
// goroutine that serves many peers may call it.
func (q *sendQueue) FlushIfRoom() error {
	q.mu.Lock()
	if q.cause != nil {
		q.mu.Unlock()
		return q.closedErr()
	}
	if len(q.pending) == 0 || q.writing {
		q.mu.Unlock()
		return nil
	}
	if q.sinceEpoch() < q.busyUntil || !q.t.fits(roomNeeded(len(q.pending))) {
		q.signalWriter()
		q.mu.Unlock()
		return nil
	}
	q.mu.Unlock()
	return q.yieldThenWrite(true)
}

// roomNeeded is the socket room that n queued bytes take: a TLS record
// adds at most 256 bytes per 16 KiB of data.
func roomNeeded(n int) int { return n + (n/16384+1)*256 }

// yieldThenWrite yields the processor once, with no lock or write token
// held, so that goroutines ready to run (other senders to this peer) queue
// their frames meanwhile; then it takes the write token and writes the
// queue inline, unless another goroutine started a write meanwhile (its
// end hands the queue on) or the queue is empty. If the token is free but
// a write ended meanwhile, so that frames come back to back, or (with
// needRoom) the socket no longer takes the whole queue at once, it wakes
// the writer goroutine instead. It reports the channel closed if the
// write failed or the channel is.
func (q *sendQueue) yieldThenWrite(needRoom bool) error {
	q.yield()
	q.mu.Lock()
	switch {
	case q.cause != nil:
		q.mu.Unlock()
		return q.closedErr()
	case q.writing || len(q.pending) == 0:
		q.mu.Unlock()
		return nil
	case q.sinceEpoch() < q.busyUntil:
		q.signalWriter() // a write ended meanwhile: frames are back to back
		q.mu.Unlock()
		return nil
	case needRoom && !q.t.fits(roomNeeded(len(q.pending))):
		q.signalWriter()
		q.mu.Unlock()
		return nil
	}
	q.writing = true
	q.mu.Unlock()
	return q.writeInline()
}

// queuedLocked runs, with q.mu held, once a send has queued its frame. If
// the frame is the only one queued and nobody is writing, the channel is
// idle: it gives the caller the write token and reports that the caller is
// to write the queue itself. Only if the last write ended so recently that
// frames are coming back to back does it wake the writer goroutine
// instead, so that they share its batches. A frame queued behind others
// needs nothing: whoever queued the first woke the writer, or the write in
// progress hands the queue on when it ends.
func (q *sendQueue) queuedLocked(wasEmpty bool) bool {
	if !wasEmpty || q.writing {
		return false
	}
	if q.sinceEpoch() < q.busyUntil {
		q.signalWriter()
		return false
	}
	q.writing = true
	return true
}

// writeInline writes the queue for a caller that queuedLocked or
// yieldThenWrite gave the write token, and reports the channel closed if
// the write failed.
func (q *sendQueue) writeInline() error {
	q.mu.Lock()
	batch := q.takeBatchLocked()
	q.mu.Unlock()
	q.space.Broadcast()
	if q.writeBatch(batch) != nil {
		return q.closedErr()
	}
	return nil
}

// waitSpaceLocked waits, with q.mu held, until the queue is under the
// high-water mark or the channel closes.
func (q *sendQueue) waitSpaceLocked() error {
	for q.cause == nil && len(q.pending) > sendHighWater {
		q.space.Wait()
	}
	if q.cause != nil {
		return &closedError{cause: q.cause}
	}
	return nil
}

// signalWriter wakes the writer without blocking; one pending signal is
// enough, as the writer takes the whole queue.
func (q *sendQueue) signalWriter() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Close closes the channel. Frames already queued are written first if
// that takes less than a second; then the connection is closed. Close is
// safe to call more than once and from any goroutine; it returns once the
// connection is closed, and always nil.
func (q *sendQueue) Close() error {
	if !q.closeWith(ErrClosed) {
		<-q.done
		return nil
	}
	t := time.NewTimer(closeFlushTimeout)
	defer t.Stop()
	select {
	case <-q.done:
	case <-t.C:
		q.t.abort()
		<-q.done
	}
	return nil
}

// Done returns a channel that is closed when the channel has closed, from
// either side and for any reason. Safe for concurrent use.
func (q *sendQueue) Done() <-chan struct{} { return q.done }

// Err returns why the channel closed: ErrClosed after a local Close,
// ErrPeerClosed, ErrPeerTimeout, ErrFrameTimeout, ErrSlowPeer, a
// *FrameTooLargeError, ErrBadFraming, or an I/O error. It returns nil while
// the channel is open. Safe for concurrent use.
func (q *sendQueue) Err() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.cause
}

// closeWith starts closing the channel with cause, unless it is already
// closing, and reports whether it did. Any cause but a local Close
// interrupts the transport, which may end a blocked read or write at once.
func (q *sendQueue) closeWith(cause error) bool {
	q.mu.Lock()
	if q.cause != nil {
		q.mu.Unlock()
		return false
	}
	q.cause = cause
	q.closing.Store(true)
	q.mu.Unlock()
	q.space.Broadcast()
	close(q.quit)
	if cause != ErrClosed {
		q.t.interrupt()
	}
	return true
}

// closedErr is the error of operations on the closed channel.
func (q *sendQueue) closedErr() error {
	return &closedError{cause: q.Err()}
}

// sinceEpoch returns the time since q.epoch plus 1, so that it is never 0.
func (q *sendQueue) sinceEpoch() int64 {
	return int64(time.Since(q.epoch)) + 1
}
