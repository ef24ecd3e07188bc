package teonet

import (
	"fmt"
	"runtime"
	"time"
)

const (
	// retainWriteBuffer is the largest write buffer kept once shrinkAfter
	// batches in a row have used under a quarter of it.
	retainWriteBuffer = 1 << 20
	shrinkAfter       = 64

	// minTimerWait keeps the writer's timer from spinning on deadlines
	// that are already due.
	minTimerWait = time.Millisecond
)

// batchBuffers recycles the buffers of written batches. It is used only
// by the goroutine holding the queue's write token (sendQueue.writing),
// which is the writer goroutine or a sender writing inline; taking and
// releasing the token under sendQueue.mu orders their uses.
type batchBuffers struct {
	spare     []byte // the buffer swapped in for the next batch
	underused int    // batches in a row that used under a quarter of theirs
}

// writeLoop is the channel's writer goroutine, started by start and ended
// by closeWith. Each time it is signalled it takes the whole queue,
// unless a sender is writing inline, and writes it in one call, so frames
// queued during a write share the next one. A timer makes it send
// keepalives on an idle channel and close a channel whose pending read has
// waited for 3*keepAlive, or whose frame has been arriving for
// frameTimeout.
func (q *sendQueue) writeLoop() {
	timer := time.NewTimer(q.keepAlive)
	defer timer.Stop()
	for {
		var err error
		select {
		case <-q.wake:
			// Goroutines ready to run may have frames to queue: let them,
			// so that those frames share this write.
			runtime.Gosched()
			err = q.flush()
		case <-timer.C:
			var wait time.Duration
			wait, err = q.tick()
			timer.Reset(wait)
		case <-q.begun:
			// A frame has begun to arrive: its deadline may come before
			// the timer.
			var wait time.Duration
			wait, err = q.tick()
			timer.Reset(wait)
		case <-q.quit:
			q.shutdown()
			return
		}
		if err != nil {
			q.closeWith(err)
			q.shutdown()
			return
		}
	}
}

// flush writes what is queued, unless the write token is taken: its
// holder signals again when it releases the token with frames queued.
func (q *sendQueue) flush() error {
	q.mu.Lock()
	if hook := q.writerHook; hook != nil {
		q.mu.Unlock()
		hook()
		q.mu.Lock()
	}
	if q.writing || len(q.pending) == 0 {
		q.mu.Unlock()
		return nil
	}
	q.writing = true
	batch := q.takeBatchLocked()
	q.mu.Unlock()
	q.space.Broadcast()
	return q.writeBatch(batch)
}

// takeBatchLocked swaps the queue for the spare buffer and returns the
// queue. It is called with q.mu and the write token held.
func (q *sendQueue) takeBatchLocked() []byte {
	batch := q.pending
	q.pending = q.w.spare[:0]
	q.w.spare = nil
	return batch
}

// writeBatch writes a batch taken by the holder of the write token, keeps
// its buffer for reuse and releases the token. A failed write closes the
// channel and is returned.
func (q *sendQueue) writeBatch(batch []byte) error {
	q.lastWrite.Store(q.sinceEpoch())
	err := q.t.write(batch)
	q.w.spare = q.w.retain(batch)
	q.endWrite(err)
	return err
}

// endWrite releases the write token after a write that returned err. A
// failure closes the channel first, so that no sender starts a write on
// the broken connection. Frames queued during the write are handed to the
// writer goroutine.
func (q *sendQueue) endWrite(err error) {
	if err != nil {
		q.closeWith(err)
	}
	now := q.sinceEpoch()
	q.mu.Lock()
	q.writing = false
	q.busyUntil = 2*now - q.lastWrite.Load()
	if len(q.pending) > 0 {
		q.signalWriter()
	}
	q.mu.Unlock()
	q.idle.Broadcast()
}

// retain returns the written batch's buffer for reuse, or nil to let a
// large buffer go once traffic has stayed well below its size.
func (w *batchBuffers) retain(batch []byte) []byte {
	if cap(batch) <= retainWriteBuffer || len(batch) >= cap(batch)/4 {
		w.underused = 0
		return batch[:0]
	}
	if w.underused++; w.underused < shrinkAfter {
		return batch[:0]
	}
	w.underused = 0
	return nil
}

// tick runs when the writer's timer fires: it times out a read that has
// waited 3*keepAlive and a frame that has been arriving for frameTimeout,
// sends a keepalive after keepAlive without writes, and returns when the
// timer should fire next. A channel with a write in progress or frames
// queued needs no keepalive.
func (q *sendQueue) tick() (time.Duration, error) {
	ka := q.keepAlive
	readWait := time.Duration(0)
	if since := q.readWaitSince.Load(); since != 0 {
		readWait = time.Duration(q.sinceEpoch() - since)
		if readWait >= 3*ka {
			return 0, fmt.Errorf("%w: nothing received for %v", ErrPeerTimeout, readWait.Round(time.Millisecond))
		}
	}
	frameAge := q.frameAge()
	if frameAge >= 0 && frameAge >= q.frameTimeout {
		return 0, fmt.Errorf("%w: a frame begun %v ago is incomplete", ErrFrameTimeout, frameAge.Round(time.Millisecond))
	}
	if q.sinceLastWrite() >= ka {
		if err := q.sendKeepAlive(); err != nil {
			return 0, err
		}
	}
	wait := ka - q.sinceLastWrite()
	if readWait > 0 {
		wait = min(wait, 3*ka-readWait)
	}
	if frameAge >= 0 {
		wait = min(wait, q.frameTimeout-frameAge)
	}
	return max(wait, minTimerWait), nil
}

// frameAge returns how long the frame that has begun to arrive has been
// waited for, or -1 if none is arriving or the transport does not say.
func (q *sendQueue) frameAge() time.Duration {
	if q.frameStarted == nil {
		return -1
	}
	since := q.frameStarted.Load()
	if since == 0 {
		return -1
	}
	return time.Duration(q.sinceEpoch() - since)
}

// sendKeepAlive writes a keepalive if the channel is idle: nothing
// queued and no write in progress.
func (q *sendQueue) sendKeepAlive() error {
	q.mu.Lock()
	idle := !q.writing && len(q.pending) == 0
	if idle {
		q.writing = true
	}
	q.mu.Unlock()
	if !idle {
		return nil
	}
	q.lastWrite.Store(q.sinceEpoch())
	err := q.t.keepAlive()
	q.endWrite(err)
	return err
}

// sinceLastWrite returns the time since the last write started.
func (q *sendQueue) sinceLastWrite() time.Duration {
	return time.Duration(q.sinceEpoch() - q.lastWrite.Load())
}

// shutdown finishes the channel once closing has started. After a local
// Close it waits for a write in progress and writes what is queued; then
// the transport closes the connection, gracefully if all was written,
// and the channel is marked done.
func (q *sendQueue) shutdown() {
	q.mu.Lock()
	graceful := q.cause == ErrClosed
	if graceful {
		for q.writing {
			q.idle.Wait()
		}
		q.writing = true
	}
	q.mu.Unlock()
	flushed := graceful && q.flushHeld() == nil
	q.t.finish(q.Err(), flushed)
	close(q.done)
}

// flushHeld writes what is queued, with the write token held, and
// releases the token.
func (q *sendQueue) flushHeld() error {
	q.mu.Lock()
	batch := q.takeBatchLocked()
	q.mu.Unlock()
	q.space.Broadcast()
	if len(batch) == 0 {
		q.w.spare = batch
		q.endWrite(nil)
		return nil
	}
	return q.writeBatch(batch)
}
