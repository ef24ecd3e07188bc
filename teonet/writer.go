package teonet

import (
	"errors"
	"fmt"
	"os"
	"time"
)

const (
	// retainWriteBuffer is the largest write buffer the writer keeps once
	// shrinkAfter batches in a row have used under a quarter of it.
	retainWriteBuffer = 1 << 20
	shrinkAfter       = 64

	// minTimerWait keeps the writer's timer from spinning on deadlines
	// that are already due.
	minTimerWait = time.Millisecond
)

// keepAliveFrame is a frame header of length 0.
var keepAliveFrame = make([]byte, frameHeaderLen)

// chanWriter is the state of a channel's writer goroutine, the only
// goroutine that writes to the connection.
type chanWriter struct {
	c             *Channel
	spare         []byte    // the buffer swapped in for the next batch
	underused     int       // batches in a row that used under a quarter of theirs
	lastWrite     time.Time // start of the last write
	writeDeadline time.Time // the connection's write deadline
}

// writeLoop is the channel's writer goroutine, started by newChannel and
// ended by closeWith. Each time Send signals, it takes the whole queue and
// writes it in one call, so frames queued during a write share the next
// one. A timer makes it send keepalives on an idle channel and close a
// channel whose pending read has waited for 3*keepAlive.
func (c *Channel) writeLoop() {
	w := &chanWriter{c: c, lastWrite: time.Now()}
	timer := time.NewTimer(c.keepAlive)
	defer timer.Stop()
	for {
		var err error
		select {
		case <-c.wake:
			err = w.flush()
		case <-timer.C:
			var wait time.Duration
			wait, err = w.tick()
			timer.Reset(wait)
		case <-c.quit:
			w.shutdown()
			return
		}
		if err != nil {
			c.closeWith(err)
			w.shutdown()
			return
		}
	}
}

// flush swaps the queue for the spare buffer and writes the batch.
func (w *chanWriter) flush() error {
	c := w.c
	c.mu.Lock()
	batch := c.pending
	c.pending = w.spare[:0]
	c.mu.Unlock()
	c.space.Broadcast()
	if len(batch) == 0 {
		w.spare = batch
		return nil
	}
	err := w.write(batch)
	w.spare = w.retain(batch)
	return err
}

// retain returns the written batch's buffer for reuse, or nil to let a
// large buffer go once traffic has stayed well below its size.
func (w *chanWriter) retain(batch []byte) []byte {
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

// write writes b to the connection. The write deadline is moved only when
// less than 2*keepAlive of it is left, so that a write always has at least
// that long and setting deadlines costs nothing per batch; a peer that
// accepts no bytes for that long is timed out.
func (w *chanWriter) write(b []byte) error {
	now := time.Now()
	ka := w.c.keepAlive
	if w.writeDeadline.Sub(now) < 2*ka {
		w.writeDeadline = now.Add(3 * ka)
		if err := w.c.conn.SetWriteDeadline(w.writeDeadline); err != nil {
			return fmt.Errorf("teonet: write: %w", err)
		}
	}
	w.lastWrite = now
	if _, err := w.c.conn.Write(b); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%w: no data accepted for %v", ErrPeerTimeout, time.Since(now).Round(time.Millisecond))
		}
		return fmt.Errorf("teonet: write: %w", err)
	}
	return nil
}

// tick runs when the writer's timer fires: it times out a read that has
// waited 3*keepAlive, sends a keepalive after keepAlive without writes, and
// returns when the timer should fire next.
func (w *chanWriter) tick() (time.Duration, error) {
	c := w.c
	ka := c.keepAlive
	readWait := time.Duration(0)
	if since := c.readWaitSince.Load(); since != 0 {
		readWait = time.Duration(c.sinceEpoch() - since)
		if readWait >= 3*ka {
			return 0, fmt.Errorf("%w: nothing received for %v", ErrPeerTimeout, readWait.Round(time.Millisecond))
		}
	}
	if time.Since(w.lastWrite) >= ka {
		if err := w.write(keepAliveFrame); err != nil {
			return 0, err
		}
	}
	wait := ka - time.Since(w.lastWrite)
	if readWait > 0 {
		wait = min(wait, 3*ka-readWait)
	}
	return max(wait, minTimerWait), nil
}

// shutdown finishes the channel once closing has started. After a local
// Close it writes what is queued and closes the TLS session with a
// close_notify; otherwise it only closes the connection. Then it marks the
// channel done.
func (w *chanWriter) shutdown() {
	c := w.c
	c.mu.Lock()
	graceful := c.cause == ErrClosed
	c.mu.Unlock()
	if graceful && w.flush() == nil {
		c.conn.Close()
	} else {
		c.raw.Close()
	}
	c.node.forgetChannel(c)
	c.log.Debug("teonet: channel closed", "cause", c.Err())
	close(c.done)
}
