package teonet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

const (
	// maxPendingHandshakes bounds the connections being authenticated or
	// waiting for Accept; past it the listener stops accepting until one
	// finishes, so a flood of silent connections cannot exhaust memory.
	maxPendingHandshakes = 1024

	// maxAcceptDelay caps the pause after a failed accept (out of file
	// descriptors and the like).
	maxAcceptDelay = time.Second
)

// Listener accepts authenticated channels from peers. Connections are
// authenticated in their own goroutines with a timeout, so a client that
// sends garbage or nothing never holds up another. A Listener is safe for
// concurrent use.
type Listener struct {
	node     *Node
	ln       net.Listener
	endpoint string
	log      *slog.Logger

	ctx      context.Context // canceled by Close; ends handshakes
	cancel   context.CancelFunc
	accepted chan *Channel
	slots    chan struct{} // one per pending connection
	wg       sync.WaitGroup
	once     sync.Once

	errMu sync.Mutex
	err   error // why accepting stopped, if not Close
}

// Listen listens for peers on addr ("host:port"; "127.0.0.1:0" picks a
// port) and records the listener's endpoint in the address book, so that
// nodes of this machine can dial the bare address. The listener's accept
// goroutine is owned by the Listener and stopped by Close.
func (n *Node) Listen(addr string) (*Listener, error) {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return nil, ErrNodeClosed
	}
	lc := net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: true}}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("teonet: listen: %w", err)
	}
	hostport := endpointHostPort(ln.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{
		node:     n,
		ln:       ln,
		endpoint: n.addr + "@" + hostport,
		log:      n.log.With("listen", ln.Addr().String()),
		ctx:      ctx,
		cancel:   cancel,
		accepted: make(chan *Channel),
		slots:    make(chan struct{}, maxPendingHandshakes),
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

// acceptLoop is the listener's accept goroutine, started by Listen and
// ended by Close. It hands each connection to a handshake goroutine.
func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	var delay time.Duration
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.ctx.Done():
			return
		}
		conn, err := l.ln.Accept()
		if err != nil {
			<-l.slots
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
		l.wg.Add(1)
		go l.serveConn(conn)
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

// serveConn authenticates conn and hands the channel to Accept. It runs in
// a goroutine of its own owned by the Listener, and ends by the handshake
// timeout, on Close, or once Accept has taken the channel.
func (l *Listener) serveConn(conn net.Conn) {
	defer l.wg.Done()
	defer func() { <-l.slots }()
	ctx, cancel := context.WithTimeout(l.ctx, l.node.cfg.HandshakeTimeout)
	defer cancel()
	c, err := l.node.serverHandshake(ctx, conn)
	if err != nil {
		if l.ctx.Err() == nil {
			l.log.Warn("teonet: refused connection", "remote", conn.RemoteAddr().String(), "err", err)
		}
		return
	}
	select {
	case l.accepted <- c:
		c.log.Debug("teonet: accepted channel")
	case <-l.ctx.Done():
		c.Close()
	}
}

// serverHandshake authenticates an accepted connection and returns its
// channel; on error the connection is closed.
func (n *Node) serverHandshake(ctx context.Context, conn net.Conn) (*Channel, error) {
	setTCPOptions(conn)
	tc := tls.Server(conn, n.serverTLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	peer, err := verifyPeer(tc.ConnectionState(), "")
	if err != nil { // checked by VerifyConnection already
		conn.Close()
		return nil, err
	}
	c := newChannel(n, tc, conn, peer)
	if err := n.trackChannel(c); err != nil {
		return nil, err
	}
	return c, nil
}

// setTCPOptions turns off Nagle's algorithm (frames are batched already)
// and turns on TCP keepalive.
func setTCPOptions(conn net.Conn) {
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
