package teomq_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

func TestWebPeerIsAFirstClassPeer(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)

	// Subscribe and publish packed in one message: both are handled.
	page.send(
		&wire.Subscribe{SubID: 1, Credit: 1, Command: "num_servers"},
		&wire.Publish{ID: wire.ID(mustUUID(t)), Command: "from_page", Data: []byte("héllo ✓ 日本")},
	)
	if ack := page.nextFrame(wire.TypeSubAck).(*wire.SubAck); ack.Code != wire.CodeOK {
		t.Fatalf("SubAck code %v: %s", ack.Code, ack.Message)
	}
	if c := page.nextFrame(wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeOK {
		t.Fatalf("Confirm code %v: %s", c.Code, c.Message)
	}

	// A Go producer's request reaches the page, and the page's answer
	// comes back from the page's key-derived address.
	producer := mustConnect(t, b)
	type result struct {
		ans *teomq.Answer
		err error
	}
	done := make(chan result, 1)
	go func() {
		ans, err := producer.Request(testCtx(t), "num_servers", []byte("42"))
		done <- result{ans, err}
	}()
	d := page.nextFrame(wire.TypeDeliver).(*wire.Deliver)
	if string(d.Data) != "42" || d.From != producer.Address() || d.Command != "num_servers" || d.Attempt != 1 {
		t.Fatalf("Deliver = %+v, want 42 from %s", d, producer.Address())
	}
	page.send(&wire.Answer{ID: d.ID, Attempt: d.Attempt, Data: []byte("ok")})
	r := recv(t, done, "the page's answer")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if string(r.ans.Data) != "ok" || r.ans.From != page.addr {
		t.Fatalf("answer %q from %s, want \"ok\" from the page's address %s", r.ans.Data, r.ans.From, page.addr)
	}

	// And the page's own message reached a Go consumer intact.
	got := make(chan *teomq.Message, 1)
	consumer := mustConnect(t, b)
	if _, err := consumer.Subscribe("from_page", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- m
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	m := recv(t, got, "the page's message")
	if string(m.Data) != "héllo ✓ 日本" || m.From != page.addr {
		t.Fatalf("consumer got %q from %s, want the page's text from %s", m.Data, m.From, page.addr)
	}
}

func TestWebHandshakeRefusesWrongIdentities(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mod    func(*auth)
		reason string
	}{
		{"signature by another key", func(a *auth) { a.signer = otherKey }, "signature does not verify"},
		{"signed for another broker address", func(a *auth) { a.signedFor = strings.Repeat("A", 35) }, "signature does not verify"},
		{"truncated auth", func(a *auth) { a.raw = []byte{1, 2, 0, 0} }, "auth is 4 bytes"},
		{"wrong message kind", func(a *auth) { a.raw = append([]byte{1, 3}, make([]byte, 128)...) }, "want auth"},
		{"oversized auth", func(a *auth) { a.raw = append([]byte{1, 2}, make([]byte, 4096)...) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, _, err := dialWeb(t, b, dialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			page.readHello()
			page.sendAuth(b.Address(), tc.mod)
			code, reason := page.closeStatus()
			if tc.reason == "" {
				if code != websocket.StatusMessageTooBig {
					t.Fatalf("closed with %v %q, want %v", code, reason, websocket.StatusMessageTooBig)
				}
				return
			}
			if code != websocket.StatusPolicyViolation || !strings.Contains(reason, tc.reason) {
				t.Fatalf("closed with %v %q, want %v and a reason with %q", code, reason, websocket.StatusPolicyViolation, tc.reason)
			}
		})
	}
}

func TestWebConnectionLimits(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{MaxMessageSize: 1000})
	cases := []struct {
		name   string
		msg    func(limit int) []byte
		code   websocket.StatusCode
		reason string
	}{
		{"message over the limit", func(limit int) []byte { return make([]byte, limit+1) }, websocket.StatusMessageTooBig, "limit"},
		{"frame running past its message", func(int) []byte { return []byte{0, 0, 0, 9, 1, 12} }, websocket.StatusProtocolError, "runs past"},
		{"empty frame", func(int) []byte { return []byte{0, 0, 0, 0} }, websocket.StatusProtocolError, "empty frame"},
		{"cut frame length", func(int) []byte { return []byte{0, 0} }, websocket.StatusProtocolError, "frame length"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, _, err := dialWeb(t, b, dialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			page.handshake(b)
			page.write(tc.msg(page.hello.maxMessage))
			code, reason := page.closeStatus()
			if code != tc.code || !strings.Contains(reason, tc.reason) {
				t.Fatalf("closed with %v %q, want %v and a reason with %q", code, reason, tc.code, tc.reason)
			}
		})
	}

	t.Run("payload over MaxMessageSize is refused by its code", func(t *testing.T) {
		page, _, err := dialWeb(t, b, dialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		page.handshake(b)
		// A publish whose payload exceeds MaxMessageSize travels in a
		// message within the WebSocket limit and is refused by its code.
		pub := &wire.Publish{ID: wire.ID(mustUUID(t)), Command: "big", Data: make([]byte, 1001)}
		page.send(pub)
		if c := page.nextFrame(wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeTooLarge {
			t.Fatalf("Confirm code %v, want %v", c.Code, wire.CodeTooLarge)
		}
		pub.Data = make([]byte, 1000)
		page.send(pub)
		if c := page.nextFrame(wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeOK {
			t.Fatalf("Confirm code %v: %s", c.Code, c.Message)
		}
	})
}

func TestWebPeerRefusedWithoutSubprotocol(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	page, _, err := dialWeb(t, b, dialOptions{noSubprotocol: true})
	if err != nil {
		t.Fatal(err)
	}
	code, reason := page.closeStatus()
	if code != websocket.StatusPolicyViolation || !strings.Contains(reason, "teomq.v1") {
		t.Fatalf("closed with %v %q, want %v naming the subprotocol", code, reason, websocket.StatusPolicyViolation)
	}
}

func TestWebPeerSilentIsDropped(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{KeepAlive: 50 * time.Millisecond})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)
	if page.hello.keepAlive != 50*time.Millisecond {
		t.Fatalf("hello keepalive %v, want 50ms", page.hello.keepAlive)
	}
	// The page reads but never answers the broker's Pings.
	code, reason := page.closeStatus()
	if code != websocket.StatusTryAgainLater || !strings.Contains(reason, "timed out") {
		t.Fatalf("closed with %v %q, want %v for a timeout", code, reason, websocket.StatusTryAgainLater)
	}
}

func TestWebPeerAnsweringPingsStays(t *testing.T) {
	// Long enough that a loaded machine does not make the page look silent.
	b := mustStartWebBroker(t, teomq.BrokerConfig{KeepAlive: 150 * time.Millisecond})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)
	// Ten keepalive intervals of Pings, each answered: the connection
	// outlives three intervals of silence from the page's side.
	for range 10 {
		page.nextFrame(wire.TypePing)
	}
	page.send(&wire.Subscribe{SubID: 1, Credit: 1, Command: "still_here"})
	if ack := page.nextFrame(wire.TypeSubAck).(*wire.SubAck); ack.Code != wire.CodeOK {
		t.Fatalf("SubAck code %v", ack.Code)
	}
}

func TestWebPeersClosedWithTheBroker(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	page, _, err := dialWeb(t, b, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page.handshake(b)
	page.send(&wire.Subscribe{SubID: 1, Credit: 1, Command: "x"})
	page.nextFrame(wire.TypeSubAck)
	done := make(chan error, 1)
	go func() { done <- b.Close() }()
	code, _ := page.closeStatus()
	if code != websocket.StatusGoingAway {
		t.Fatalf("closed with %v, want %v", code, websocket.StatusGoingAway)
	}
	if err := recv(t, done, "Close"); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
