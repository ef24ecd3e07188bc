package teonet_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// TestListenerSurvivesBadClients runs each bad client against a listener,
// then checks a good client is served meanwhile, the bad connection is
// closed by the listener, and a warning says why.
func TestListenerSurvivesBadClients(t *testing.T) {
	tests := []struct {
		name    string
		client  func(t *testing.T, hostport string) net.Conn
		wantLog error // the warning's error matches it; nil: any error
	}{
		{"random bytes", func(t *testing.T, hostport string) net.Conn {
			conn := dialTCP(t, hostport)
			garbage := make([]byte, 4096)
			rand.Read(garbage)
			conn.Write(garbage)
			return conn
		}, nil},
		{"partial TLS record, then silence", func(t *testing.T, hostport string) net.Conn {
			conn := dialTCP(t, hostport)
			conn.Write([]byte{0x16, 0x03, 0x01, 0x40, 0x00, 0xde, 0xad, 0xbe, 0xef})
			return conn
		}, nil},
		{"half-open, sends nothing", func(t *testing.T, hostport string) net.Conn {
			return dialTCP(t, hostport)
		}, teonet.ErrHandshakeTimeout},
		{"no client certificate", func(t *testing.T, hostport string) net.Conn {
			cfg := rawTLSConfig(newRawPeer(t, "").cert)
			cfg.Certificates = nil
			return dialRawTLS(t, hostport, cfg)
		}, nil},
		{"ECDSA certificate", func(t *testing.T, hostport string) net.Conn {
			return dialRawTLS(t, hostport, rawTLSConfig(newECDSACert(t)))
		}, teonet.ErrBadCertificate},
		{"certificate claims another address", func(t *testing.T, hostport string) net.Conn {
			other := newRawPeer(t, "")
			return dialRawTLS(t, hostport, rawTLSConfig(newRawPeer(t, other.addr).cert))
		}, teonet.ErrAddressMismatch},
		{"no ALPN", func(t *testing.T, hostport string) net.Conn {
			cfg := rawTLSConfig(newRawPeer(t, "").cert)
			cfg.NextProtos = nil
			return dialRawTLS(t, hostport, cfg)
		}, teonet.ErrProtocolMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logRecorder{}
			dir := t.TempDir()
			server := newNode(t, dir, "server", withLogger(slog.New(logs)), func(c *teonet.Config) {
				c.HandshakeTimeout = time.Second // generous: a good client must finish under load
			})
			l := listen(t, server)
			accepted := acceptAsync(l)

			bad := tt.client(t, hostPort(l))

			good := newNode(t, dir, "good")
			dial(t, good, l.Endpoint())
			c := waitAccepted(t, accepted)
			if c.PeerAddress() != good.Address() {
				t.Fatalf("accepted %s, want the good client %s", c.PeerAddress(), good.Address())
			}

			bad.SetReadDeadline(time.Now().Add(testTimeout))
			buf := make([]byte, 1024)
			for {
				_, err := bad.Read(buf)
				if err == nil {
					continue // a TLS alert or a record the client has not read yet
				}
				if isTimeout(err) {
					t.Fatal("the listener did not close the bad connection")
				}
				break
			}
			err := logs.waitWarnErr(t, tt.wantLog)
			t.Logf("logged: %v", err)
		})
	}
}

func dialTCP(t *testing.T, hostport string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", hostport, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestListenerClose(t *testing.T) {
	dir := t.TempDir()
	server := newNode(t, dir, "server")
	l := listen(t, server)
	client := newNode(t, dir, "client")
	if _, _, err := client.Resolve(server.Address()); err != nil {
		t.Fatalf("Resolve before Close: %v", err)
	}

	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		errc <- err
	}()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked Accept returned %v, want net.ErrClosed", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Accept still blocked after Close")
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if _, _, err := client.Resolve(server.Address()); !errors.Is(err, teonet.ErrUnknownPeer) {
		t.Fatalf("Resolve after Close: %v, want ErrUnknownPeer", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := client.Dial(ctx, l.Endpoint()); err == nil {
		t.Fatal("Dial of a closed listener succeeded")
	}
}

// TestListenerCloseKeepsAcceptedChannels: closing a listener leaves the
// channels it accepted open.
func TestListenerCloseKeepsAcceptedChannels(t *testing.T) {
	dir := t.TempDir()
	server, client := newNode(t, dir, "server"), newNode(t, dir, "client")
	l := listen(t, server)
	accepted := acceptAsync(l)
	a := dial(t, client, l.Endpoint())
	b := waitAccepted(t, accepted)
	l.Close()
	if err := a.Send([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	if p, err := recvWithin(t, b, testTimeout); err != nil || string(p) != "still here" {
		t.Fatalf("Recv = %q, %v", p, err)
	}
}

func TestListenerEndpoint(t *testing.T) {
	n := newNode(t, t.TempDir(), "server")
	l := listen(t, n)
	if want := n.Address() + "@" + l.Addr().String(); l.Endpoint() != want {
		t.Fatalf("Endpoint %s, want %s", l.Endpoint(), want)
	}
}

// TestNodeCloseClosesEverything: Node.Close closes the node's listeners,
// channels and redialers, and later calls fail with ErrNodeClosed.
func TestNodeCloseClosesEverything(t *testing.T) {
	dir := t.TempDir()
	server, client := newNode(t, dir, "server"), newNode(t, dir, "client")
	l := listen(t, server)
	accepted := acceptAsync(l)
	a := dial(t, client, l.Endpoint())
	b := waitAccepted(t, accepted)
	r := server.Redial(teonet.RedialConfig{Targets: []string{client.Address() + "@127.0.0.1:1"}})

	if err := server.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := server.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Node.Close: %v, want net.ErrClosed", err)
	}
	select {
	case <-b.Done():
	default:
		t.Error("accepted channel open after Node.Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := r.WaitConnected(ctx); !errors.Is(err, teonet.ErrNodeClosed) {
		t.Errorf("WaitConnected after Node.Close: %v, want ErrNodeClosed", err)
	}
	if _, err := recvWithin(t, a, testTimeout); !errors.Is(err, teonet.ErrPeerClosed) {
		t.Errorf("peer's Recv: %v, want ErrPeerClosed", err)
	}
	if _, err := server.Listen("127.0.0.1:0"); !errors.Is(err, teonet.ErrNodeClosed) {
		t.Errorf("Listen after Close: %v, want ErrNodeClosed", err)
	}
	if _, err := server.Dial(ctx, l.Endpoint()); !errors.Is(err, teonet.ErrNodeClosed) {
		t.Errorf("Dial after Close: %v, want ErrNodeClosed", err)
	}
	if _, err := server.Redial(teonet.RedialConfig{Targets: []string{l.Endpoint()}}).WaitConnected(ctx); !errors.Is(err, teonet.ErrNodeClosed) {
		t.Errorf("Redial after Close: %v, want ErrNodeClosed", err)
	}
	if _, _, err := client.Resolve(server.Address()); !errors.Is(err, teonet.ErrUnknownPeer) {
		t.Errorf("address book entry left after Close: %v", err)
	}
}
