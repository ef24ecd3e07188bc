package teonet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/coder/websocket"
)

// retainReadMessage is the largest read buffer a WebChannel keeps after a
// message that used under a quarter of it.
const retainReadMessage = 1 << 20

// WebChannel is a node's connection to a browser page: a WebSocket that
// passed the web handshake (AcceptWeb). It has the write side of a
// Channel (Send, SendAppend, QueueAppend, Flush, FlushAsync, Close, Done,
// Err), with the same errors and concurrency contract, and
// the same limits: a queue over WebConfig.MaxQueue drops the page with
// ErrSlowPeer. Recv and RecvReady are called from one goroutine.
//
// Each binary WebSocket message carries one or more frames, each prefixed
// with its 4-byte big-endian length, up to MaxFrame+4 bytes. A batch of
// queued frames is written in as few messages as that limit allows, cut
// between frames. After KeepAlive without writes the channel sends the
// frame WebConfig.Ping makes, which the page answers; a Recv that waits
// 3*KeepAlive closes the channel with ErrPeerTimeout. The WebSocket is
// closed with a status and reason that tell the browser why
// (WebCloseStatus).
type WebChannel struct {
	sendQueue // the write side, shared with Channel

	conn       *websocket.Conn
	peer       string
	remote     net.Addr
	log        *slog.Logger
	maxMessage int
	ping       func(dst []byte) []byte
	pingBuf    []byte // owned by the holder of the write token

	// ctx ends every read and write when cancelled (cancel): the WebSocket
	// library closes the socket when the context of an operation ends.
	ctx    context.Context
	cancel context.CancelFunc

	// Read side, used by the goroutine calling Recv.
	msg []byte // the last message read
	off int    // offset of its next frame
}

// newWebChannel wraps an authenticated WebSocket and starts its writer
// goroutine, which the channel owns and Close stops. cfg is complete.
func newWebChannel(conn *websocket.Conn, peer string, cfg WebConfig) *WebChannel {
	c := &WebChannel{
		conn:       conn,
		peer:       peer,
		remote:     cfg.RemoteAddr,
		log:        cfg.Logger,
		maxMessage: cfg.MaxFrame + frameHeaderLen,
		ping:       cfg.Ping,
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.init(webTransport{c}, cfg.MaxFrame, cfg.MaxQueue, cfg.KeepAlive)
	c.start()
	return c
}

// PeerAddress returns the page's authenticated address.
func (c *WebChannel) PeerAddress() string { return c.peer }

// RemoteAddr returns the browser's network address.
func (c *WebChannel) RemoteAddr() net.Addr { return c.remote }

// Recv returns the payload of the next frame, valid until the next Recv.
// It reads a new message when the last one is used up. Recv is called
// from one goroutine. On any error the channel is closed and the error
// matches ErrClosed and the cause, such as ErrPeerClosed, ErrPeerTimeout,
// ErrFrameTooLarge or ErrBadFraming.
func (c *WebChannel) Recv() ([]byte, error) {
	if c.closing.Load() {
		return nil, c.closedErr()
	}
	for c.off == len(c.msg) {
		if err := c.readMessage(); err != nil {
			c.closeWith(err)
			return nil, c.closedErr()
		}
	}
	frame, err := c.nextFrame()
	if err != nil {
		c.closeWith(err)
		return nil, c.closedErr()
	}
	return frame, nil
}

// TakeFrame reports false: a frame of a WebSocket message lies in the
// message's buffer, which a later Recv reuses, so the caller copies what it
// keeps. It is there so that both kinds of channel offer the same reading
// methods (see Channel.TakeFrame).
func (c *WebChannel) TakeFrame() bool { return false }

// RecvReady reports whether the current WebSocket message holds another
// frame, so that Recv returns without waiting. Call it from the goroutine
// that calls Recv.
func (c *WebChannel) RecvReady() bool { return c.off < len(c.msg) }

// nextFrame cuts the next frame from the current message.
func (c *WebChannel) nextFrame() ([]byte, error) {
	rest := c.msg[c.off:]
	if len(rest) < frameHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes left where a 4-byte frame length belongs", ErrBadFraming, len(rest))
	}
	n := int(binary.BigEndian.Uint32(rest))
	switch {
	case n == 0:
		return nil, fmt.Errorf("%w: empty frame", ErrBadFraming)
	case n > c.maxFrame:
		return nil, &FrameTooLargeError{Size: int64(n), Limit: c.maxFrame}
	case n > len(rest)-frameHeaderLen:
		return nil, fmt.Errorf("%w: frame of %d bytes runs past its message", ErrBadFraming, n)
	}
	c.off += frameHeaderLen + n
	return rest[frameHeaderLen : frameHeaderLen+n : frameHeaderLen+n], nil
}

// readMessage reads the next message into c.msg. The writer closes the
// channel when it waits 3*keepAlive: the writer pings the page each
// keepAlive, and the page answers.
func (c *WebChannel) readMessage() error {
	c.readWaitSince.Store(c.sinceEpoch())
	defer c.readWaitSince.Store(0)
	typ, r, err := c.conn.Reader(c.ctx)
	if err != nil {
		return c.readCause(err)
	}
	if typ != websocket.MessageBinary {
		return fmt.Errorf("%w: text message; frames travel in binary messages", ErrBadFraming)
	}
	buf := c.msg[:0]
	if cap(buf) > retainReadMessage && len(c.msg) < cap(buf)/4 {
		buf = nil
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 4<<10), c.maxMessage+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > c.maxMessage {
			return fmt.Errorf("%w: message over the %d-byte limit", ErrFrameTooLarge, c.maxMessage)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return c.readCause(err)
		}
	}
	if len(buf) == 0 {
		return fmt.Errorf("%w: empty message", ErrBadFraming)
	}
	c.msg, c.off = buf, 0
	return nil
}

// readCause turns a read error into the cause of the close.
func (c *WebChannel) readCause(err error) error {
	if cause := c.Err(); cause != nil {
		return cause // closing already: the error is its consequence
	}
	if status := websocket.CloseStatus(err); status != -1 {
		return fmt.Errorf("%w: status %d", ErrPeerClosed, status)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%w: %w", ErrPeerClosed, err)
	}
	return fmt.Errorf("teonet: web read: %w", err)
}

// webTransport writes a WebChannel's batches as WebSocket messages.
type webTransport struct {
	c *WebChannel
}

// write writes length-prefixed frames as messages of at most maxMessage
// bytes, cut between frames. Each message must be taken by the peer
// within 3*keepAlive.
func (t webTransport) write(frames []byte) error {
	for len(frames) > 0 {
		n := 0
		for n < len(frames) {
			size := frameHeaderLen + int(binary.BigEndian.Uint32(frames[n:]))
			if n > 0 && n+size > t.c.maxMessage {
				break
			}
			n += size
		}
		wait := 3 * t.c.keepAlive
		wctx, cancel := context.WithTimeout(t.c.ctx, wait)
		err := t.c.conn.Write(wctx, websocket.MessageBinary, frames[:n])
		cancel()
		if err != nil {
			if errors.Is(wctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w: no data accepted for %v", ErrPeerTimeout, wait)
			}
			return fmt.Errorf("teonet: web write: %w", err)
		}
		frames = frames[n:]
	}
	return nil
}

// fits reports false: a WebSocket write may always wait; the writer
// goroutine does it.
func (t webTransport) fits(int) bool { return false }

// keepAlive writes the frame WebConfig.Ping makes.
func (t webTransport) keepAlive() error {
	buf := t.c.ping(append(t.c.pingBuf[:0], 0, 0, 0, 0))
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-frameHeaderLen))
	t.c.pingBuf = buf
	return t.write(buf)
}

// interrupt does nothing: the writer goroutine closes the WebSocket with
// a status that tells the browser why (finish).
func (t webTransport) interrupt() {}

// abort closes the socket at once, and ends the context of every read and
// write.
func (t webTransport) abort() {
	t.c.cancel()
	t.c.conn.CloseNow()
}

// finish closes the WebSocket with the status and reason of cause
// (WebCloseStatus). A browser that does not answer the close within
// closeFlushTimeout is dropped.
func (t webTransport) finish(cause error, _ bool) {
	abort := time.AfterFunc(closeFlushTimeout, t.abort)
	defer abort.Stop()
	status, reason := WebCloseStatus(cause)
	if status != websocket.StatusGoingAway && !errors.Is(cause, ErrPeerClosed) {
		t.c.log.Warn("teonet: web peer dropped", "peer", t.c.peer, "remote", t.c.remote, "status", status, "err", cause)
	}
	t.c.conn.Close(status, reason)
	t.abort()
}
