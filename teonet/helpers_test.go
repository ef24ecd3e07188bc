package teonet_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

// testTimeout bounds every wait of the tests.
const testTimeout = 10 * time.Second

// newNode opens a node named name under dir, closed at cleanup.
func newNode(t testing.TB, dir, name string, mods ...func(*teonet.Config)) *teonet.Node {
	t.Helper()
	cfg := teonet.Config{Name: name, ConfigDir: dir, Logger: discardLogger()}
	for _, mod := range mods {
		mod(&cfg)
	}
	n, err := teonet.New(cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", name, err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func withKeepAlive(d time.Duration) func(*teonet.Config) {
	return func(c *teonet.Config) { c.KeepAlive = d }
}

func withLogger(l *slog.Logger) func(*teonet.Config) {
	return func(c *teonet.Config) { c.Logger = l }
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// listen starts a listener of n on 127.0.0.1, closed at cleanup.
func listen(t testing.TB, n *teonet.Node) *teonet.Listener {
	t.Helper()
	l, err := n.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// acceptAsync accepts one channel in the background.
func acceptAsync(l *teonet.Listener) <-chan *teonet.Channel {
	out := make(chan *teonet.Channel, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(out)
			return
		}
		out <- c
	}()
	return out
}

// waitAccepted returns the channel from acceptAsync.
func waitAccepted(t testing.TB, accepted <-chan *teonet.Channel) *teonet.Channel {
	t.Helper()
	select {
	case c, ok := <-accepted:
		if !ok {
			t.Fatal("Accept failed")
		}
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(testTimeout):
		t.Fatal("Accept timed out")
		return nil
	}
}

// dial dials target from n, closing the channel at cleanup.
func dial(t testing.TB, n *teonet.Node, target string) *teonet.Channel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := n.Dial(ctx, target)
	if err != nil {
		t.Fatalf("Dial(%s): %v", target, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pair returns the two ends of a channel between two new nodes: a dialed
// from node "a", b accepted by node "b".
func pair(t testing.TB, mods ...func(*teonet.Config)) (a, b *teonet.Channel) {
	t.Helper()
	dir := t.TempDir()
	na := newNode(t, dir, "a", mods...)
	nb := newNode(t, dir, "b", mods...)
	l := listen(t, nb)
	accepted := acceptAsync(l)
	a = dial(t, na, l.Endpoint())
	b = waitAccepted(t, accepted)
	return a, b
}

// rawPeer is an identity made by the test, for TLS peers written by hand.
type rawPeer struct {
	addr string
	cert tls.Certificate
}

// newRawPeer makes an Ed25519 identity whose certificate claims cn, or its
// own address if cn is empty.
func newRawPeer(t testing.TB, cn string) rawPeer {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	addr := teonet.AddressOf(pub)
	if cn == "" {
		cn = addr
	}
	return rawPeer{addr: addr, cert: selfSigned(t, key, cn)}
}

// newECDSACert makes a certificate with a P-256 key.
func newECDSACert(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return selfSigned(t, key, "ecdsa")
}

func selfSigned(t testing.TB, key crypto.Signer, cn string) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// rawTLSConfig is a TLS configuration a teonet peer accepts, for cert.
func rawTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{cert},
		NextProtos:         []string{teonet.ALPN},
		ClientAuth:         tls.RequireAnyClientCert,
		InsecureSkipVerify: true,
	}
}

// dialRawTLS connects to a teonet listener as a hand-written client.
func dialRawTLS(t testing.TB, hostport string, cfg *tls.Config) *tls.Conn {
	t.Helper()
	d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: testTimeout}}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		t.Fatalf("raw TLS dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.(*tls.Conn)
}

// hostPort returns the host:port of a listener.
func hostPort(l *teonet.Listener) string { return l.Addr().String() }

// logRecorder is a slog.Handler that keeps the records it gets.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

// waitWarnErr waits until a warning carrying an error that matches target
// (any error if target is nil) is logged, and returns that error.
func (r *logRecorder) waitWarnErr(t testing.TB, target error) error {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		if err := r.findWarnErr(target); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no warning logged with an error matching %v", target)
	return nil
}

func (r *logRecorder) findWarnErr(target error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.records {
		if rec.Level != slog.LevelWarn {
			continue
		}
		var found error
		rec.Attrs(func(a slog.Attr) bool {
			if err, ok := a.Value.Any().(error); ok && (target == nil || errors.Is(err, target)) {
				found = err
				return false
			}
			return true
		})
		if found != nil {
			return found
		}
	}
	return nil
}

// recvWithin runs Recv in the background and returns its result, failing
// the test if it takes longer than d.
func recvWithin(t testing.TB, c *teonet.Channel, d time.Duration) ([]byte, error) {
	t.Helper()
	type result struct {
		p   []byte
		err error
	}
	out := make(chan result, 1)
	go func() {
		p, err := c.Recv()
		out <- result{append([]byte(nil), p...), err}
	}()
	select {
	case r := <-out:
		return r.p, r.err
	case <-time.After(d):
		t.Fatalf("Recv did not return within %v", d)
		return nil, nil
	}
}
