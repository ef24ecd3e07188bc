package teonet

import (
	"errors"
	"fmt"
	"os"
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

// keepAliveFrame is a frame header of length 0.
var keepAliveFrame = make([]byte, frameHeaderLen)

// connWriter is the state of writing to a channel's connection. It is used
// only by the goroutine holding the channel's write token
// (Channel.writing), which is the writer goroutine or a sender writing
// inline; taking and releasing the token under Channel.mu orders their
// uses.
type connWriter struct {
	spare         []byte    // the buffer swapped in for the next batch
	underused     int       // batches in a row that used under a quarter of theirs
	writeDeadline time.Time // the connection's write deadline
}

// writeLoop is the channel's writer goroutine, started by newChannel and
// ended by closeWith. Each time it is signalled it takes the whole queue,
// unless a sender is writing inline, and writes it in one call, so frames
// queued during a write share the next one. A timer makes it send
// keepalives on an idle channel and close a channel whose pending read has
// waited for 3*keepAlive, or whose frame has been arriving for
// frameTimeout.
func (c *Channel) writeLoop() {
	timer := time.NewTimer(c.keepAlive)
	defer timer.Stop()
	for {
		var err error
		select {
		case <-c.wake:
			// Goroutines ready to run may have frames to queue: let them,
			// so that those frames share this write.
			runtime.Gosched()
			err = c.flush()
		case <-timer.C:
			var wait time.Duration
			wait, err = c.tick()
			timer.Reset(wait)
		case <-c.fr.begun:
			// A frame has begun to arrive: its deadline may come before
			// the timer.
			var wait time.Duration
			wait, err = c.tick()
			timer.Reset(wait)
		case <-c.quit:
			c.shutdown()
			return
		}
		if err != nil {
			c.closeWith(err)
			c.shutdown()
			return
		}
	}
}

// flush writes what is queued, unless the write token is taken: its
// holder signals again when it releases the token with frames queued.
func (c *Channel) flush() error {
	c.mu.Lock()
	if hook := c.writerHook; hook != nil {
		c.mu.Unlock()
		hook()
		c.mu.Lock()
	}
	if c.writing || len(c.pending) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.writing = true
	batch := c.takeBatchLocked()
	c.mu.Unlock()
	c.space.Broadcast()
	return c.writeBatch(batch)
}

// takeBatchLocked swaps the queue for the spare buffer and returns the
// queue. It is called with c.mu and the write token held.
func (c *Channel) takeBatchLocked() []byte {
	batch := c.pending
	c.pending = c.w.spare[:0]
	c.w.spare = nil
	return batch
}

// writeBatch writes a batch taken by the holder of the write token, keeps
// its buffer for reuse and releases the token. A failed write closes the
// channel and is returned.
func (c *Channel) writeBatch(batch []byte) error {
	err := c.w.write(c, batch)
	c.w.spare = c.w.retain(batch)
	c.endWrite(err)
	return err
}

// endWrite releases the write token after a write that returned err. A
// failure closes the channel first, so that no sender starts a write on
// the broken connection. Frames queued during the write are handed to the
// writer goroutine.
func (c *Channel) endWrite(err error) {
	if err != nil {
		c.closeWith(err)
	}
	now := c.sinceEpoch()
	c.mu.Lock()
	c.writing = false
	c.busyUntil = 2*now - c.lastWrite.Load()
	if len(c.pending) > 0 {
		c.signalWriter()
	}
	c.mu.Unlock()
	c.idle.Broadcast()
}

// retain returns the written batch's buffer for reuse, or nil to let a
// large buffer go once traffic has stayed well below its size.
func (w *connWriter) retain(batch []byte) []byte {
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

// write writes b to c's connection. The write deadline is moved only when
// less than 2*keepAlive of it is left, so that a write always has at least
// that long and setting deadlines costs nothing per batch; a peer that
// accepts no bytes for that long is timed out.
func (w *connWriter) write(c *Channel, b []byte) error {
	now := time.Now()
	ka := c.keepAlive
	if w.writeDeadline.Sub(now) < 2*ka {
		w.writeDeadline = now.Add(3 * ka)
		if err := c.conn.SetWriteDeadline(w.writeDeadline); err != nil {
			return fmt.Errorf("teonet: write: %w", err)
		}
	}
	c.lastWrite.Store(int64(now.Sub(c.epoch)) + 1)
	if _, err := c.conn.Write(b); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%w: no data accepted for %v", ErrPeerTimeout, time.Since(now).Round(time.Millisecond))
		}
		return fmt.Errorf("teonet: write: %w", err)
	}
	return nil
}

// tick runs when the writer's timer fires: it times out a read that has
// waited 3*keepAlive and a frame that has been arriving for frameTimeout,
// sends a keepalive after keepAlive without writes, and returns when the
// timer should fire next. A channel with a write in
// progress or frames queued needs no keepalive.
func (c *Channel) tick() (time.Duration, error) {
	ka := c.keepAlive
	readWait := time.Duration(0)
	if since := c.readWaitSince.Load(); since != 0 {
		readWait = time.Duration(c.sinceEpoch() - since)
		if readWait >= 3*ka {
			return 0, fmt.Errorf("%w: nothing received for %v", ErrPeerTimeout, readWait.Round(time.Millisecond))
		}
	}
	if since := c.fr.started.Load(); since != 0 {
		if age := time.Duration(c.sinceEpoch() - since); age >= c.frameTimeout {
			return 0, fmt.Errorf("%w: a frame begun %v ago is incomplete", ErrFrameTimeout, age.Round(time.Millisecond))
		}
	}
	if c.sinceLastWrite() >= ka {
		c.mu.Lock()
		idle := !c.writing && len(c.pending) == 0
		if idle {
			c.writing = true
		}
		c.mu.Unlock()
		if idle {
			err := c.w.write(c, keepAliveFrame)
			c.endWrite(err)
			if err != nil {
				return 0, err
			}
		}
	}
	wait := ka - c.sinceLastWrite()
	if readWait > 0 {
		wait = min(wait, 3*ka-readWait)
	}
	if since := c.fr.started.Load(); since != 0 {
		wait = min(wait, c.frameTimeout-time.Duration(c.sinceEpoch()-since))
	}
	return max(wait, minTimerWait), nil
}

// sinceLastWrite returns the time since the last write started.
func (c *Channel) sinceLastWrite() time.Duration {
	return time.Duration(c.sinceEpoch() - c.lastWrite.Load())
}

// shutdown finishes the channel once closing has started. After a local
// Close it waits for a write in progress, writes what is queued and closes
// the TLS session with a close_notify; otherwise it only closes the
// connection, which ends a write in progress. Then it marks the channel
// done.
func (c *Channel) shutdown() {
	c.mu.Lock()
	graceful := c.cause == ErrClosed
	if graceful {
		for c.writing {
			c.idle.Wait()
		}
		c.writing = true
	}
	c.mu.Unlock()
	if graceful && c.flushHeld() == nil {
		c.conn.Close()
	} else {
		c.raw.Close()
	}
	c.fr.releaseAll()
	c.node.forgetChannel(c)
	if c.onClose != nil {
		c.onClose()
	}
	c.log.Debug("teonet: channel closed", "cause", c.Err())
	close(c.done)
}

// flushHeld writes what is queued, with the write token held, and
// releases the token.
func (c *Channel) flushHeld() error {
	c.mu.Lock()
	batch := c.takeBatchLocked()
	c.mu.Unlock()
	c.space.Broadcast()
	if len(batch) == 0 {
		c.w.spare = batch
		c.endWrite(nil)
		return nil
	}
	return c.writeBatch(batch)
}
