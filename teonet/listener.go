package teonet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/teonet-go/teomq/internal/ratelog"
)

// maxAcceptDelay caps the pause after a failed accept (out of file
// descriptors and the like).
const maxAcceptDelay = time.Second

// Listener accepts authenticated channels from peers. Connections are
// authenticated in their own goroutines with a timeout, so a client that
// sends garbage or nothing never holds up another, and accepting never
// waits for a handshake: handshakes are bounded per source and in total
// (Config.MaxHandshakesPerIP, Config.MaxHandshakes), and open channels by
// Config.MaxPeers. Stats counts what was refused. A Listener is safe for
// concurrent use.
type Listener struct {
	node     *Node
	ln       net.Listener
	endpoint string
	log      *slog.Logger

	ctx      context.Context // canceled by Close; ends handshakes
	cancel   context.CancelFunc
	accepted chan *Channel
	wg       sync.WaitGroup
	once     sync.Once

	handshakesMu sync.Mutex // guards handshakes
	handshakes   *handshakeTable
	open         atomic.Int64 // channels accepted and not yet closed
	counts       listenerCounts
	logs         listenerLogs

	errMu sync.Mutex
	err   error // why accepting stopped, if not Close
}

// Listen listens for peers on addr ("host:port"; "127.0.0.1:0" picks a
// port) and records the listener's endpoint in the address book, so that
// nodes of this machine can dial the bare address. The listener's accept
// goroutine and its handshake goroutines are owned by the Listener and
// stopped by Close.
func (n *Node) Listen(addr string) (*Listener, error) {
	lc := net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: true}}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("teonet: listen: %w", err)
	}
	return n.ListenOn(ln)
}

// ListenOn accepts peers on ln, a TCP listener or a wrapper of one (such
// as one that refuses connections over a descriptor budget), as Listen
// does. The Listener owns ln: Close closes it, and so does ListenOn if it
// fails.
func (n *Node) ListenOn(ln net.Listener) (*Listener, error) {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		ln.Close()
		return nil, ErrNodeClosed
	}
	hostport := endpointHostPort(ln.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{
		node:       n,
		ln:         ln,
		endpoint:   n.addr + "@" + hostport,
		log:        n.log.With("listen", ln.Addr().String()),
		ctx:        ctx,
		cancel:     cancel,
		accepted:   make(chan *Channel),
		handshakes: newHandshakeTable(n.cfg.MaxHandshakes, n.cfg.MaxHandshakesPerIP),
	}
	if err := n.addListener(l, hostport); err != nil {
		cancel()
		ln.Close()
		n.removeListener(l)
		return nil, err
	}
	l.wg.Add(1)
	go l.acceptLoop()
	l.log.Debug("teonet: listening", "endpoint", l.endpoint)
	return l, nil
}

// endpointHostPort is the host:port peers should dial for a listener on a:
// an unspecified address (0.0.0.0, ::) becomes 127.0.0.1.
func endpointHostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// Accept waits for the next authenticated channel. After Close it returns
// an error matching net.ErrClosed.
func (l *Listener) Accept() (*Channel, error) {
	if l.ctx.Err() != nil {
		return nil, l.closedErr()
	}
	select {
	case c := <-l.accepted:
		return c, nil
	case <-l.ctx.Done():
		return nil, l.closedErr()
	}
}

func (l *Listener) closedErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return fmt.Errorf("teonet: accept: %w", l.err)
	}
	return fmt.Errorf("teonet: accept: %w", net.ErrClosed)
}

// Addr returns the listener's network address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Endpoint returns the target peers dial to reach this listener,
// "ADDRESS@host:port", with 127.0.0.1 for an unspecified host.
func (l *Listener) Endpoint() string { return l.endpoint }

// Close stops accepting, drops connections not yet returned by Accept and
// removes the listener's address book entry. Channels already accepted
// stay open (Node.Close closes them). Close is safe to call more than once.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		l.cancel()
		err = l.ln.Close()
		l.wg.Wait()
		err = errors.Join(err, l.node.removeListener(l))
		l.log.Debug("teonet: listener closed")
	})
	return err
}

// acceptLoop is the listener's accept goroutine, started by ListenOn and
// ended by Close. It hands each connection to admit, which never waits.
func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var delay time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if l.ctx.Err() != nil {
				return
			}
			if !retryableAcceptError(err) {
				l.fail(err)
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), maxAcceptDelay)
			l.log.Warn("teonet: accept failed; retrying", "err", err, "delay", delay)
			if !sleepCtx(l.ctx, delay) {
				return
			}
			continue
		}
		delay = 0
		l.admit(conn)
	}
}

// fail stops the listener after an accept error it cannot recover from.
func (l *Listener) fail(err error) {
	l.errMu.Lock()
	l.err = err
	l.errMu.Unlock()
	l.log.Error("teonet: listener stopped", "err", err)
	l.cancel()
}

// admit starts the handshake of a new connection in a goroutine owned by
// the Listener, or closes the connection at once if MaxPeers channels are
// open or its source has MaxHandshakesPerIP handshakes in progress. When
// MaxHandshakes are in progress, another one gives way (handshakeTable).
func (l *Listener) admit(conn net.Conn) {
	cfg := &l.node.cfg
	if l.open.Load() >= int64(cfg.MaxPeers) {
		l.refuse(conn, &l.counts.refusedFull, &l.logs.full, "teonet: refused connection: peer limit reached", "max_peers", cfg.MaxPeers)
		return
	}
	ctx, cancel := context.WithTimeout(l.ctx, cfg.HandshakeTimeout)
	l.handshakesMu.Lock()
	h, dropped := l.handshakes.add(sourceKey(conn.RemoteAddr()), conn, cancel)
	l.handshakesMu.Unlock()
	if h == nil {
		cancel()
		l.refuse(conn, &l.counts.refusedPerIP, &l.logs.perIP, "teonet: refused connection: too many handshakes from its source", "max_per_ip", cfg.MaxHandshakesPerIP)
		return
	}
	if dropped != nil {
		dropped.cancel()
		dropped.conn.Close()
		l.counts.dropped.Add(1)
		if n, ok := l.logs.dropped.Allow(); ok {
			l.log.Warn("teonet: dropped the oldest handshake of the busiest source: handshake limit reached",
				"remote", dropped.conn.RemoteAddr().String(), "max_handshakes", cfg.MaxHandshakes, "suppressed", n)
		}
	}
	l.wg.Add(1)
	go l.serveConn(ctx, h) // owned by the Listener; ends by its deadline, a drop, or Close
}

// refuse closes a connection admit refused, counts it in counter and logs
// msg through limiter.
func (l *Listener) refuse(conn net.Conn, counter *atomic.Uint64, limiter *ratelog.Limiter, msg string, attrs ...any) {
	counter.Add(1) // before the close, which the peer sees
	conn.Close()
	if n, ok := limiter.Allow(); ok {
		l.log.Warn(msg, append(attrs, "remote", conn.RemoteAddr().String(), "suppressed", n)...)
	}
}

// serveConn authenticates h's connection and hands the channel to Accept.
// It runs in a goroutine of its own owned by the Listener, and ends by the
// handshake timeout, when admit drops it, on Close, or once Accept has
// taken the channel.
func (l *Listener) serveConn(ctx context.Context, h *handshake) {
	defer l.wg.Done()
	defer h.cancel()
	tc, peer, err := l.node.serverHandshake(ctx, h.conn)
	l.handshakesMu.Lock()
	dropped := h.dropped
	l.handshakes.remove(h)
	l.handshakesMu.Unlock()
	switch {
	case err != nil:
		if !dropped && l.ctx.Err() == nil {
			l.counts.failed.Add(1)
			if n, ok := l.logs.failed.Allow(); ok {
				l.log.Warn("teonet: refused connection", "remote", h.conn.RemoteAddr().String(), "err", err, "suppressed", n)
			}
		}
		return
	case dropped:
		h.conn.Close()
		return
	}
	c := l.newChannel(tc, h.conn, peer)
	if c == nil {
		return
	}
	select {
	case l.accepted <- c:
		c.log.Debug("teonet: accepted channel")
	case <-l.ctx.Done():
		c.Close()
	}
}

// newChannel makes the channel of a completed handshake, counted open
// until it closes. It returns nil, having closed the connection, if
// MaxPeers channels are open already or the node is closed.
func (l *Listener) newChannel(tc *tls.Conn, raw net.Conn, peer string) *Channel {
	if max := int64(l.node.cfg.MaxPeers); l.open.Add(1) > max {
		l.open.Add(-1)
		l.refuse(raw, &l.counts.refusedFull, &l.logs.full, "teonet: refused channel: peer limit reached", "max_peers", max, "peer", peer)
		return nil
	}
	c := newChannel(l.node, tc, raw, peer, func() { l.open.Add(-1) })
	if l.node.trackChannel(c) != nil {
		return nil
	}
	l.counts.accepted.Add(1)
	return c
}

// serverHandshake authenticates an accepted connection and returns its
// TLS connection and the peer's address; on error the connection is
// closed. A connection silent for HelloTimeout is dropped: the read
// deadline set here is lifted once the TLS hello has arrived.
func (n *Node) serverHandshake(ctx context.Context, conn net.Conn) (*tls.Conn, string, error) {
	setTCPOptions(conn)
	hello := n.cfg.HelloTimeout
	conn.SetReadDeadline(time.Now().Add(hello))
	tc := tls.Server(&recordCoalescer{Conn: conn}, n.serverTLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("%w: no TLS hello within %v", ErrHandshakeTimeout, hello)
		case errors.Is(err, context.DeadlineExceeded):
			err = fmt.Errorf("%w: not done within %v: %w", ErrHandshakeTimeout, n.cfg.HandshakeTimeout, err)
		}
		return nil, "", err
	}
	conn.SetReadDeadline(time.Time{})
	peer, err := verifyPeer(tc.ConnectionState(), "")
	if err != nil { // checked by VerifyConnection already
		conn.Close()
		return nil, "", err
	}
	return tc, peer, nil
}

// setTCPOptions turns off Nagle's algorithm (frames are batched already)
// and turns on TCP keepalive, on conn or the connection it wraps
// (NetConn).
func setTCPOptions(conn net.Conn) {
	for {
		w, ok := conn.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		conn = w.NetConn()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
		tcp.SetKeepAlive(true)
	}
}

// retryableAcceptError reports whether an accept error is a passing
// shortage rather than a broken listener.
func retryableAcceptError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, errno := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// sleepCtx waits for d or until ctx is done, and reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
