package teonet

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"
)

// keepAliveFrame is a frame header of length 0.
var keepAliveFrame = make([]byte, frameHeaderLen)

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
	sendQueue // the write side: Send, QueueAppend, Flush..., Close, Done, Err

	conn  *tls.Conn
	raw   net.Conn // conn's TCP connection, closed directly to abort
	node  *Node
	local string
	peer  string
	log   *slog.Logger
	// onClose, if set, runs once when the channel has closed: a Listener
	// counts its open channels with it.
	onClose func()

	// Read side, used by the goroutine calling Recv.
	fr *frameReader
}

// newChannel wraps an established connection to peer and starts its
// writer goroutine, which the channel owns and Close stops. onClose, if
// not nil, runs once the channel has closed.
func newChannel(n *Node, conn *tls.Conn, raw net.Conn, peer string, onClose func()) *Channel {
	c := &Channel{
		conn:    conn,
		raw:     raw,
		node:    n,
		local:   n.addr,
		peer:    peer,
		log:     n.log.With("peer", peer, "remote", raw.RemoteAddr().String()),
		onClose: onClose,
	}
	t := &tlsTransport{c: c, rc: syscallConn(raw)}
	t.records, _ = conn.NetConn().(*recordCoalescer)
	t.sndbuf = sendBuffer(t.rc)
	c.init(t, n.cfg.MaxFrame, n.cfg.MaxQueue, n.cfg.KeepAlive)
	c.fr = newFrameReader(waitTrackingReader{c}, readBufferSize, c.maxFrame)
	c.fr.skipOversize = n.cfg.SkipOversize
	c.fr.mem, c.fr.quit, c.fr.now = n.frameMem, c.quit, c.sinceEpoch
	begun := make(chan struct{}, 1)
	c.fr.begun, c.begun = begun, begun
	c.frameStarted, c.frameTimeout = &c.fr.started, n.cfg.FrameTimeout
	c.start()
	return c
}

// PeerAddress returns the authenticated address of the peer.
func (c *Channel) PeerAddress() string { return c.peer }

// LocalAddress returns the address of this side's node.
func (c *Channel) LocalAddress() string { return c.local }

// RemoteAddr returns the peer's network address.
func (c *Channel) RemoteAddr() net.Addr { return c.raw.RemoteAddr() }

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

// TakeFrame hands the caller the memory of the frame the last Recv
// returned, if that frame has a buffer of its own, and reports whether it
// did: the channel then never reuses that memory, which no longer counts in
// the node's frame memory (Config.MaxFrameMemory), and the caller may keep
// the frame, or slices of it, as long as it likes. Frames larger than the
// read buffer (64 KiB) come in buffers of their own; smaller ones lie in
// the read buffer, which the next Recv reuses: TakeFrame reports false for
// them, and the caller copies what it keeps. Call it from the goroutine
// that calls Recv.
func (c *Channel) TakeFrame() bool { return c.fr.take() }

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

// tlsTransport writes a Channel's batches to its TLS stream as they are:
// the queue holds the frames as the wire carries them.
type tlsTransport struct {
	c *Channel
	// rc and sndbuf are the socket's descriptor (nil if the connection
	// offers none) and its send buffer at the start, for fits. room is
	// what the socket was last seen to take at once, less what was written
	// since: as only this channel writes to the socket, and the kernel only
	// drains it, that much surely fits. It is read by fits and lowered by
	// write, which the queue's write token orders.
	rc     syscall.RawConn
	sndbuf int
	room   int
	// writeDeadline is the connection's write deadline; used only by the
	// holder of the write token.
	writeDeadline time.Time
	// records, if not nil, lets write hand a batch's TLS records to the
	// connection in one call.
	records *recordCoalescer
}

// writeChunk is the most of a batch written to the connection in one
// call: the write deadline bounds each call, so that a peer which takes a
// large batch slowly but steadily (64 KiB a second or more) is not timed
// out in the middle of it.
const writeChunk = 256 << 10

// write writes b to the connection, in calls of writeChunk at most.
func (t *tlsTransport) write(b []byte) error {
	for len(b) > writeChunk {
		if err := t.writeSome(b[:writeChunk]); err != nil {
			return err
		}
		b = b[writeChunk:]
	}
	return t.writeSome(b)
}

// writeSome writes b to the connection in one call. The write deadline is
// moved only when less than 2*keepAlive of it is left, so that a call
// always has at least that long and setting deadlines costs nothing per
// batch; a peer that accepts no bytes for that long is timed out.
func (t *tlsTransport) writeSome(b []byte) error {
	now := time.Now()
	ka := t.c.keepAlive
	if t.writeDeadline.Sub(now) < 2*ka {
		t.writeDeadline = now.Add(3 * ka)
		if err := t.c.conn.SetWriteDeadline(t.writeDeadline); err != nil {
			return fmt.Errorf("teonet: write: %w", err)
		}
	}
	// A TLS record adds at most 256 bytes per 16 KiB of data.
	t.room -= len(b) + (len(b)/16384+1)*256
	if err := t.writeRecords(b); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%w: no data accepted for %v", ErrPeerTimeout, time.Since(now).Round(time.Millisecond))
		}
		return fmt.Errorf("teonet: write: %w", err)
	}
	return nil
}

// maxRecordData is the most data a TLS record carries.
const maxRecordData = 16 << 10

// writeRecords writes b through the TLS session, its records in one write
// to the connection when the session writes through a recordCoalescer and
// b takes more than one record.
func (t *tlsTransport) writeRecords(b []byte) error {
	if t.records == nil || len(b) <= maxRecordData {
		_, err := t.c.conn.Write(b)
		return err
	}
	t.records.hold()
	_, err := t.c.conn.Write(b)
	if ferr := t.records.flush(); err == nil {
		err = ferr
	}
	return err
}

// fits reports whether the socket takes n bytes at once: from what it was
// last seen to take, or, if that is not enough, from a fresh look.
func (t *tlsTransport) fits(n int) bool {
	if t.room < n {
		t.room = sendRoom(t.rc, t.sndbuf)
	}
	return t.room >= n
}

// syscallConn returns the descriptor of conn, or of the connection it
// wraps (NetConn, as a listener wrapper offers), or nil.
func syscallConn(conn net.Conn) syscall.RawConn {
	for {
		if sc, ok := conn.(syscall.Conn); ok {
			rc, err := sc.SyscallConn()
			if err != nil {
				return nil
			}
			return rc
		}
		w, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		conn = w.NetConn()
	}
}

// keepAlive writes a frame header of length 0, which Recv consumes.
func (t *tlsTransport) keepAlive() error { return t.write(keepAliveFrame) }

// interrupt closes the TCP connection, ending a blocked Recv or write.
func (t *tlsTransport) interrupt() { t.c.raw.Close() }

// abort closes the TCP connection.
func (t *tlsTransport) abort() { t.c.raw.Close() }

// finish closes the TLS session with a close_notify when everything
// queued was written after a local Close, and the TCP connection
// otherwise; then it releases the read buffers and tells the node and the
// listener that the channel is gone.
func (t *tlsTransport) finish(cause error, flushed bool) {
	c := t.c
	if flushed {
		c.conn.Close()
	} else {
		c.raw.Close()
	}
	c.fr.releaseAll()
	c.node.forgetChannel(c)
	if c.onClose != nil {
		c.onClose()
	}
	c.log.Debug("teonet: channel closed", "cause", cause)
}
