package teonet_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// TestDialAddressMismatch dials a listener by another node's address: the
// dialer refuses it and names both addresses.
func TestDialAddressMismatch(t *testing.T) {
	dir := t.TempDir()
	server, client, other := newNode(t, dir, "server"), newNode(t, dir, "client"), newNode(t, dir, "other")
	l := listen(t, server)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := client.Dial(ctx, other.Address()+"@"+hostPort(l))
	var mismatch *teonet.AddressMismatchError
	if !errors.As(err, &mismatch) || !errors.Is(err, teonet.ErrAddressMismatch) {
		t.Fatalf("Dial: %v, want an AddressMismatchError", err)
	}
	if mismatch.Want != other.Address() || mismatch.Got != server.Address() {
		t.Fatalf("mismatch want %s got %s; want want %s got %s", mismatch.Want, mismatch.Got, other.Address(), server.Address())
	}
	if msg := err.Error(); !strings.Contains(msg, other.Address()) || !strings.Contains(msg, server.Address()) {
		t.Fatalf("error %q does not name both addresses", msg)
	}
}

// TestDialRefusesCertificateClaim: a server whose
// certificate claims the dialed address but whose key is another's is
// refused.
func TestDialRefusesCertificateClaim(t *testing.T) {
	claimed := newRawPeer(t, "")
	impostor := newRawPeer(t, claimed.addr)
	hostport := serveRawTLS(t, rawTLSConfig(impostor.cert), func(net.Conn) {})
	client := newNode(t, t.TempDir(), "client")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := client.Dial(ctx, claimed.addr+"@"+hostport)
	var mismatch *teonet.AddressMismatchError
	if !errors.As(err, &mismatch) || mismatch.Want != claimed.addr || mismatch.Got != impostor.addr {
		t.Fatalf("Dial: %v, want a mismatch between %s and %s", err, claimed.addr, impostor.addr)
	}
}

// TestDialHalfOpenServer dials a server that accepts TCP but never answers
// the handshake: Dial gives up after the handshake timeout, or when its
// context ends.
func TestDialHalfOpenServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() { // holds accepted connections open until ln closes
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	target := newRawPeer(t, "").addr + "@" + ln.Addr().String()

	client := newNode(t, t.TempDir(), "client", func(c *teonet.Config) { c.HandshakeTimeout = 200 * time.Millisecond })
	start := time.Now()
	if _, err := client.Dial(context.Background(), target); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial: %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > testTimeout/2 {
		t.Fatalf("Dial took %v with a 200ms handshake timeout", elapsed)
	}

	slow := newNode(t, t.TempDir(), "slow")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := slow.Dial(ctx, target)
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Dial after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Dial ignored its context")
	}
}

func TestDialBadTarget(t *testing.T) {
	client := newNode(t, t.TempDir(), "client")
	for _, target := range []string{"", "nope", "KOtEx2TSGH5kWKttZ217Wphd2kaiHQoG0uX@nope"} {
		if _, err := client.Dial(context.Background(), target); !errors.Is(err, teonet.ErrBadAddress) && !errors.Is(err, teonet.ErrBadTarget) {
			t.Errorf("Dial(%q): %v, want ErrBadAddress or ErrBadTarget", target, err)
		}
	}
}

// serveRawTLS accepts TLS connections with cfg and runs serve on each
// after the handshake, until the test ends. It returns the host:port.
func serveRawTLS(t *testing.T, cfg *tls.Config, serve func(net.Conn)) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		var conns []net.Conn
		var wg sync.WaitGroup
		defer func() {
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			wg.Go(func() {
				if c.(*tls.Conn).Handshake() == nil {
					serve(c)
				}
			})
		}
	}()
	return ln.Addr().String()
}

// TestDialNotTeonet dials an HTTP port: the error says it is no Teonet
// endpoint, and that retrying cannot help.
func TestDialNotTeonet(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	client := newNode(t, t.TempDir(), "client")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := client.Dial(ctx, client.Address()+"@"+srv.Listener.Addr().String())
	if !errors.Is(err, teonet.ErrNotTeonet) || !teonet.Permanent(err) {
		t.Fatalf("Dial: %v, want ErrNotTeonet, permanent", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "HTTP port") || strings.Count(msg, "teonet:") != 1 {
		t.Fatalf("error %q: want one prefix and a hint at the HTTP port", msg)
	}
}

func TestPermanent(t *testing.T) {
	dir := t.TempDir()
	server, client, other := newNode(t, dir, "server"), newNode(t, dir, "client"), newNode(t, dir, "other")
	l := listen(t, server)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	tests := []struct {
		name   string
		target string
		want   bool
	}{
		{"another node at the endpoint", other.Address() + "@" + hostPort(l), true},
		{"nobody listening", server.Address() + "@" + closedAddr, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			_, err := client.Dial(ctx, tc.target)
			if err == nil {
				t.Fatal("Dial succeeded")
			}
			if got := teonet.Permanent(err); got != tc.want {
				t.Fatalf("Permanent(%v) = %v, want %v", err, got, tc.want)
			}
		})
	}
}
