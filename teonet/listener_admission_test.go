package teonet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// floodLimits makes a listener that keeps silent connections for longer
// than the test runs: only admission control can make room for others.
func floodLimits(c *teonet.Config) {
	c.MaxHandshakes = 16
	c.MaxHandshakesPerIP = 4
	c.HandshakeTimeout = time.Minute
	c.HelloTimeout = time.Minute
}

// flood keeps silent TCP connections open to hostport from each source
// address, perSource at a time, opening a new one whenever the listener
// closes one, until stop is closed or it has opened maxDials in all.
// It returns when every connection it opened is closed.
func flood(t *testing.T, hostport string, sources []string, perSource, maxDials int, stop <-chan struct{}) (wait func() int) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		dials int
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if dials >= maxDials {
			return false
		}
		dials++
		return true
	}
	for _, src := range sources {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: testTimeout}
		for range perSource {
			wg.Go(func() { // owned by the test; ends by stop or maxDials
				buf := make([]byte, 1)
				for take() {
					select {
					case <-stop:
						return
					default:
					}
					conn, err := d.Dial("tcp", hostport)
					if err != nil {
						continue
					}
					closed := make(chan struct{})
					go func() { // ends when the connection is closed
						defer close(closed)
						conn.Read(buf) // silent: returns once a side closes
					}()
					select {
					case <-closed:
					case <-stop:
					}
					conn.Close()
					<-closed
				}
			})
		}
	}
	return func() int {
		wg.Wait()
		return dials
	}
}

// TestListenerSilentFloodDoesNotStarveOthers reproduces accept starvation:
// silent connections, re-opened as the listener closes them, from one
// source or several, more than the listener authenticates at once. A
// client from another source still connects, five times in a row, each
// well within the flood's handshake timeout.
func TestListenerSilentFloodDoesNotStarveOthers(t *testing.T) {
	tests := []struct {
		name      string
		sources   []string
		perSource int
		check     func(t *testing.T, s teonet.ListenerStats)
	}{
		{"one source", []string{"127.0.0.2"}, 12, func(t *testing.T, s teonet.ListenerStats) {
			if s.RefusedPerIP == 0 {
				t.Errorf("no connection refused for its source: %+v", s)
			}
		}},
		{"several sources", []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"}, 3,
			func(t *testing.T, s teonet.ListenerStats) {
				if s.DroppedHandshakes == 0 {
					t.Errorf("no handshake dropped: %+v", s)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			server := newNode(t, dir, "server", floodLimits)
			l := listen(t, server)
			stop := make(chan struct{})
			wait := flood(t, hostPort(l), tt.sources, tt.perSource, 5000, stop)
			defer func() {
				close(stop)
				t.Logf("flood opened %d connections; %+v", wait(), l.Stats())
			}()
			waitStats(t, l, "the flood to fill the handshake slots", func(s teonet.ListenerStats) bool {
				return s.Handshaking >= min(16, 4*len(tt.sources)) && s.RefusedPerIP+s.DroppedHandshakes > 0
			})

			good := newNode(t, dir, "good")
			for i := range 5 {
				accepted := acceptAsync(l)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				c, err := good.Dial(ctx, l.Endpoint())
				cancel()
				if err != nil {
					t.Fatalf("connect %d of 5 during the flood: %v", i+1, err)
				}
				if got := waitAccepted(t, accepted); got.PeerAddress() != good.Address() {
					t.Fatalf("accepted %s, want the good client", got.PeerAddress())
				}
				c.Close()
			}
			s := l.Stats()
			if s.Handshaking > 16 {
				t.Errorf("%d handshakes in progress, limit 16", s.Handshaking)
			}
			tt.check(t, s)
		})
	}
}

// waitStats waits until cond holds for the listener's stats.
func waitStats(t *testing.T, l *teonet.Listener, what string, cond func(teonet.ListenerStats) bool) teonet.ListenerStats {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		s := l.Stats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A connection that sends nothing is dropped after HelloTimeout, long
// before HandshakeTimeout, with a warning that says why.
func TestListenerHelloTimeout(t *testing.T) {
	logs := &logRecorder{}
	server := newNode(t, t.TempDir(), "server", withLogger(slog.New(logs)), func(c *teonet.Config) {
		c.HandshakeTimeout = time.Minute
		c.HelloTimeout = 100 * time.Millisecond
	})
	l := listen(t, server)
	conn := dialTCP(t, hostPort(l))
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("silent connection: read %v, want EOF (closed by the listener)", err)
	}
	err := logs.waitWarnErr(t, teonet.ErrHandshakeTimeout)
	t.Logf("logged: %v", err)
	if s := l.Stats(); s.FailedHandshakes != 1 || s.Handshaking != 0 {
		t.Errorf("stats %+v, want 1 failed handshake and none in progress", s)
	}
}

// TestListenerMaxPeers: past MaxPeers open channels a new peer is refused;
// once one closes, a new peer is accepted again.
func TestListenerMaxPeers(t *testing.T) {
	dir := t.TempDir()
	server := newNode(t, dir, "server", func(c *teonet.Config) { c.MaxPeers = 2 })
	l := listen(t, server)
	var open []*teonet.Channel
	for i := range 2 {
		accepted := acceptAsync(l)
		dial(t, newNode(t, dir, fmt.Sprint("peer", i)), l.Endpoint())
		open = append(open, waitAccepted(t, accepted))
	}
	extra := newNode(t, dir, "extra")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if c, err := extra.Dial(ctx, l.Endpoint()); err == nil {
		// TLS 1.3 lets a client finish before the server has refused it:
		// then the channel it got is closed at once.
		if _, err := recvWithin(t, c, testTimeout); !errors.Is(err, teonet.ErrPeerClosed) {
			t.Fatalf("a third peer got a channel past MaxPeers 2: Recv %v", err)
		}
	}
	if s := l.Stats(); s.RefusedFull != 1 || s.Open != 2 {
		t.Fatalf("stats %+v, want 1 refused as full and 2 open", s)
	}

	open[0].Close()
	if s := l.Stats(); s.Open != 1 {
		t.Fatalf("after a channel closed: %d open, want 1", s.Open)
	}
	accepted := acceptAsync(l)
	dial(t, extra, l.Endpoint())
	if c := waitAccepted(t, accepted); c.PeerAddress() != extra.Address() {
		t.Fatalf("accepted %s, want %s", c.PeerAddress(), extra.Address())
	}
}
