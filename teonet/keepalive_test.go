package teonet_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// TestKeepAliveHoldsIdleChannel: an idle channel whose both ends wait in
// Recv stays open for many keepalive intervals, then still carries frames.
func TestKeepAliveHoldsIdleChannel(t *testing.T) {
	const ka = 100 * time.Millisecond
	a, b := pair(t, withKeepAlive(ka))
	got := make(chan string, 1)
	go func() {
		p, err := a.Recv()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(p)
	}()
	go func() {
		if p, err := b.Recv(); err == nil {
			b.Send(p) // echo
		}
	}()
	select {
	case <-a.Done():
		t.Fatalf("idle channel closed: %v", a.Err())
	case <-b.Done():
		t.Fatalf("idle channel closed: %v", b.Err())
	case <-time.After(6 * ka):
	}
	if err := a.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "ping" {
			t.Fatalf("echo %q, want ping", s)
		}
	case <-time.After(testTimeout):
		t.Fatal("no echo")
	}
}

// TestPeerTimeoutThroughPausedProxy connects two nodes through a proxy,
// then has the proxy drop everything: both ends detect the silent peer
// within three keepalive intervals.
func TestPeerTimeoutThroughPausedProxy(t *testing.T) {
	const ka = 100 * time.Millisecond
	dir := t.TempDir()
	server := newNode(t, dir, "server", withKeepAlive(ka))
	client := newNode(t, dir, "client", withKeepAlive(ka))
	l := listen(t, server)
	proxy := newPausableProxy(t, hostPort(l))
	accepted := acceptAsync(l)
	a := dial(t, client, server.Address()+"@"+proxy.addr())
	b := waitAccepted(t, accepted)

	// Both ends are healthy through the proxy.
	if err := a.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if p, err := recvWithin(t, b, testTimeout); err != nil || string(p) != "hello" {
		t.Fatalf("Recv through proxy = %q, %v", p, err)
	}

	type result struct {
		err     error
		elapsed time.Duration
	}
	results := make(chan result, 2)
	paused := time.Now()
	proxy.pause()
	for _, c := range []*teonet.Channel{a, b} {
		go func() {
			_, err := c.Recv()
			results <- result{err, time.Since(paused)}
		}()
	}
	for range 2 {
		select {
		case r := <-results:
			if !errors.Is(r.err, teonet.ErrPeerTimeout) || !errors.Is(r.err, teonet.ErrClosed) {
				t.Fatalf("Recv: %v, want ErrPeerTimeout", r.err)
			}
			// Recv started waiting after the pause, so the timeout
			// comes three intervals later, plus scheduling slack.
			if r.elapsed < 3*ka || r.elapsed > 3*ka+700*time.Millisecond {
				t.Fatalf("peer timeout after %v, want about 2 to 3 times %v", r.elapsed, ka)
			}
		case <-time.After(testTimeout):
			t.Fatal("silent peer not detected")
		}
	}
}

// TestPeerNotReadingTimesOutSend: a peer that keeps sending keepalives but
// reads nothing fills the send path; Send blocks at the high-water mark
// and the writer, stuck for three intervals, closes the channel with
// ErrPeerTimeout, which unblocks Send.
func TestPeerNotReadingTimesOutSend(t *testing.T) {
	const ka = 100 * time.Millisecond
	peer := newRawPeer(t, "")
	hostport := serveRawTLS(t, rawTLSConfig(peer.cert), func(conn net.Conn) {
		tick := time.NewTicker(ka / 4)
		defer tick.Stop()
		for range tick.C { // keepalives only, never a read
			if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
				return
			}
		}
	})
	client := newNode(t, t.TempDir(), "client", withKeepAlive(ka))
	c := dial(t, client, peer.addr+"@"+hostport)
	go func() { // consumes the peer's keepalives
		for {
			if _, err := c.Recv(); err != nil {
				return
			}
		}
	}()

	frame := make([]byte, 1<<20)
	const maxFrames = 256 // far more than the queue and socket buffers hold
	var err error
	sent := 0
	start := time.Now()
	for ; sent < maxFrames && time.Since(start) < testTimeout; sent++ {
		if err = c.Send(frame); err != nil {
			break
		}
	}
	if !errors.Is(err, teonet.ErrClosed) || !errors.Is(err, teonet.ErrPeerTimeout) {
		t.Fatalf("Send after %d MiB: %v, want ErrClosed from ErrPeerTimeout", sent, err)
	}
	if !errors.Is(c.Err(), teonet.ErrPeerTimeout) {
		t.Fatalf("Err = %v, want ErrPeerTimeout", c.Err())
	}
	t.Logf("after %d MiB: %v", sent, err)
}

// pausableProxy forwards TCP connections to a target until paused; then
// it silently drops everything in both directions.
type pausableProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	paused bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newPausableProxy(t *testing.T, target string) *pausableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausableProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.close)
	return p
}

func (p *pausableProxy) addr() string { return p.ln.Addr().String() }

func (p *pausableProxy) pause() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

func (p *pausableProxy) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

func (p *pausableProxy) acceptLoop() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.forward(up, down)
		go p.forward(down, up)
	}
}

// forward copies src to dst, dropping what it reads once paused.
func (p *pausableProxy) forward(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if p.isPaused() {
			continue
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (p *pausableProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
