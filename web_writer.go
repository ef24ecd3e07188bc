package teomq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/wire"
)

// webWriter is the state of a web connection's writer goroutine, the only
// goroutine that writes data messages to the WebSocket.
type webWriter struct {
	c         *webConn
	spare     []byte    // the buffer swapped in for the next batch
	lastWrite time.Time // start of the last write
	pings     uint64    // nonce of the last keepalive Ping
}

// writeLoop is the connection's writer goroutine, started by newWebConn
// and ended by closing (Close, or a failure on either side). Each time
// SendAppend signals, it takes the whole queue and writes it; after
// keepAlive without a write it sends a Ping, which the page answers.
func (c *webConn) writeLoop() {
	w := &webWriter{c: c, lastWrite: time.Now()}
	timer := time.NewTimer(c.keepAlive)
	defer timer.Stop()
	for {
		var err error
		select {
		case <-c.wake:
			err = w.flush(c.ctx)
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
func (w *webWriter) flush(ctx context.Context) error {
	c := w.c
	c.mu.Lock()
	batch := c.pending
	c.pending = w.spare[:0]
	c.mu.Unlock()
	if len(batch) == 0 {
		w.spare = batch
		return nil
	}
	err := w.write(ctx, batch)
	if cap(batch) > webRetainBuffer && len(batch) < cap(batch)/4 {
		batch = nil
	}
	w.spare = batch[:0]
	return err
}

// write writes length-prefixed frames as messages of at most maxMessage
// bytes, cut between frames. Each message must be taken by the peer
// within 3*keepAlive.
func (w *webWriter) write(ctx context.Context, frames []byte) error {
	c := w.c
	for len(frames) > 0 {
		n := 0
		for n < len(frames) {
			size := webFrameHeaderLen + int(binary.BigEndian.Uint32(frames[n:]))
			if n > 0 && n+size > c.maxMessage {
				break
			}
			n += size
		}
		w.lastWrite = time.Now()
		wctx, cancel := context.WithTimeout(ctx, 3*c.keepAlive)
		err := c.conn.Write(wctx, websocket.MessageBinary, frames[:n])
		cancel()
		if err != nil {
			if errors.Is(wctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w: no data accepted for %v", errWebTimeout, 3*c.keepAlive)
			}
			return fmt.Errorf("teomq: web write: %w", err)
		}
		frames = frames[n:]
	}
	return nil
}

// tick runs when the writer's timer fires: it times out a read that has
// waited 3*keepAlive, sends a Ping after keepAlive without writes, and
// returns when the timer should fire next.
func (w *webWriter) tick() (time.Duration, error) {
	c := w.c
	ka := c.keepAlive
	readWait := time.Duration(0)
	if since := c.readWaitSince.Load(); since != 0 {
		readWait = time.Duration(c.sinceEpoch() - since)
		if readWait >= 3*ka {
			return 0, fmt.Errorf("%w: nothing received for %v", errWebTimeout, readWait.Round(time.Millisecond))
		}
	}
	if time.Since(w.lastWrite) >= ka {
		w.pings++
		ping := (&wire.Ping{Nonce: w.pings}).AppendTo(make([]byte, webFrameHeaderLen, 32))
		binary.BigEndian.PutUint32(ping, uint32(len(ping)-webFrameHeaderLen))
		if err := w.write(c.ctx, ping); err != nil {
			return 0, err
		}
	}
	wait := ka - time.Since(w.lastWrite)
	if readWait > 0 {
		wait = min(wait, 3*ka-readWait)
	}
	return max(wait, time.Millisecond), nil
}

// shutdown finishes the connection once closing has started. After a
// local Close it first writes what is queued; then it closes the WebSocket
// with a status and reason that say why, and marks the connection done.
func (w *webWriter) shutdown() {
	c := w.c
	cause := c.Err()
	// A browser that takes no data, or does not answer the close, is
	// dropped after webCloseTimeout: ending c.ctx closes the socket under
	// a pending read or write.
	abort := time.AfterFunc(webCloseTimeout, c.abort)
	defer abort.Stop()
	if errors.Is(cause, errWebClosed) {
		if err := w.flush(c.ctx); err != nil {
			c.log.Debug("teomq: web peer: flush on close", "peer", c.peer, "err", err)
		}
	}
	status, reason := webCloseStatus(cause)
	if status != websocket.StatusGoingAway && !errors.Is(cause, errWebPeerClosed) {
		c.log.Warn("teomq: web peer dropped", "peer", c.peer, "remote", c.remote, "status", status, "err", cause)
	}
	c.conn.Close(status, reason)
	c.abort()
	close(c.done)
}
