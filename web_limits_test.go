package teomq_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// rawHTTP opens a TCP connection to the broker's HTTP listener, closed
// when the test ends.
func rawHTTP(t *testing.T, b *teomq.Broker) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", b.HTTPAddr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitServerClose reads conn until the server closes it, for at most 5 s,
// and returns how long that took.
func waitServerClose(t *testing.T, conn net.Conn, r io.Reader) time.Duration {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatalf("the server did not close the connection: %v", err)
	}
	return time.Since(start)
}

func TestHTTPIdleConnectionClosed(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{HTTPLimits: teomq.HTTPLimits{IdleTimeout: 100 * time.Millisecond}})
	conn := rawHTTP(t, b)
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("status %d, close %v: want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}
	// The connection now idles: the server closes it after IdleTimeout.
	if d := waitServerClose(t, conn, r); d < 50*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", d)
	}
}

func TestHTTPHeadersNeverFinishedAreCut(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{HTTPLimits: teomq.HTTPLimits{ReadHeaderTimeout: 100 * time.Millisecond}})
	conn := rawHTTP(t, b)
	// The headers never end (no empty line).
	if _, err := io.WriteString(conn, "GET /teomq HTTP/1.1\r\nHost: localhost\r\n"); err != nil {
		t.Fatal(err)
	}
	waitServerClose(t, conn, conn)
}

func TestHTTPBodyBounded(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	conn := rawHTTP(t, b)
	// A body of 10 MB is announced and never sent.
	if _, err := io.WriteString(conn, "POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "body too large") {
		t.Fatalf("%d %q, want 413 and the reason", resp.StatusCode, body)
	}
	waitServerClose(t, conn, r)
}

func TestWebSocketOutlivesHTTPTimeouts(t *testing.T) {
	// A WebSocket leaves the HTTP server's timeouts behind when it is
	// upgraded: only the keepalive watches it, and it answers.
	// The keepalive is longer than the timeouts, so that the socket
	// outlives them many times over, and long enough that a loaded
	// machine does not miss it.
	short := 50 * time.Millisecond
	b := mustStartWebBroker(t, teomq.BrokerConfig{
		KeepAlive:  4 * short,
		HTTPLimits: teomq.HTTPLimits{ReadHeaderTimeout: short, ReadTimeout: short, WriteTimeout: short, IdleTimeout: short},
	})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)
	for range 5 { // five intervals (20 timeouts), each ping answered
		page.nextFrame(wire.TypePing)
	}
	page.send(&wire.Subscribe{SubID: 1, Credit: 1, Command: "still_here"})
	if ack := page.nextFrame(wire.TypeSubAck).(*wire.SubAck); ack.Code != wire.CodeOK {
		t.Fatalf("SubAck code %v", ack.Code)
	}
}

func TestWebHandshakeDeadline(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{HTTPLimits: teomq.HTTPLimits{HandshakeTimeout: 100 * time.Millisecond}})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.readHello()
	// The page never sends its auth: the broker drops the socket.
	start := time.Now()
	_, err = page.readErr()
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read: %v after %v, want the broker to close the socket", err, time.Since(start))
	}
}

func TestWebHandshakeSlots(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{HTTPLimits: teomq.HTTPLimits{MaxHandshakes: 3, MaxHandshakesPerIP: 2}})
	stalled := func(from string) *webPage {
		t.Helper()
		page, resp, err := dialWeb(t, b, dialOptions{from: from})
		if err != nil {
			t.Fatalf("from %s: %v (%s)", from, err, body(resp))
		}
		page.readHello() // and no auth yet: the handshake holds its slot
		return page
	}
	refused := func(from, reason string) {
		t.Helper()
		_, resp, err := dialWeb(t, b, dialOptions{from: from})
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("from %s: %v, want HTTP 503", from, err)
		}
		if got := body(resp); !strings.Contains(got, reason) || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("from %s: refusal %q (Retry-After %q), want %q and a Retry-After", from, got, resp.Header.Get("Retry-After"), reason)
		}
	}

	first := stalled("127.0.0.1")
	stalled("127.0.0.1")
	refused("127.0.0.1", "(2 from 127.0.0.1)")
	stalled("127.0.0.2") // another source still gets a slot
	refused("127.0.0.3", "(3 in total)")

	// Once a page has sent its auth, its slot is free again.
	nonce := first.sendAuth(b.Address(), nil)
	first.readWelcome(nonce)
	page := stalled("127.0.0.3")
	page.sendAuth(b.Address(), nil)
}

func TestWebOversizedMessageSparesOthers(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{MaxMessageSize: 1000})
	good, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good.handshake(b)
	good.send(&wire.Subscribe{SubID: 1, Credit: 1, Command: "x"})
	good.nextFrame(wire.TypeSubAck)

	bad, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad.handshake(b)
	// The write may fail once the broker closes: only the close matters.
	bad.conn.Write(testCtx(t), websocket.MessageBinary, make([]byte, 64*bad.hello.maxMessage))
	code, reason := bad.closeStatus()
	if code != websocket.StatusMessageTooBig || !strings.Contains(reason, "message over the") {
		t.Fatalf("closed with %v %q, want %v and the limit", code, reason, websocket.StatusMessageTooBig)
	}

	// The other page is still served.
	producer := mustConnect(t, b)
	if _, err := producer.Send(testCtx(t), "x", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if d := good.nextFrame(wire.TypeDeliver).(*wire.Deliver); string(d.Data) != "after" {
		t.Fatalf("Deliver %q, want \"after\"", d.Data)
	}
}

func TestWebPartialMessageTimesOut(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{KeepAlive: 50 * time.Millisecond})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)
	// A message is started (a frame of 64 KiB announced, 16 KiB of it
	// sent, more than the library buffers) and never finished: the page
	// cannot answer Pings meanwhile, and the broker drops it as silent.
	w, err := page.conn.Writer(testCtx(t), websocket.MessageBinary)
	if err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 16<<10)
	binary.BigEndian.PutUint32(part, 64<<10)
	if _, err := w.Write(part); err != nil {
		t.Fatal(err)
	}
	code, reason := page.closeStatus()
	if code != websocket.StatusTryAgainLater || !strings.Contains(reason, "timed out") {
		t.Fatalf("closed with %v %q, want %v for a timeout", code, reason, websocket.StatusTryAgainLater)
	}
}
