package teomq_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// The page side of the web handshake, written from its description in
// teonet/web_handshake.go: these tests check the broker against it.
const (
	testPageAuthContext   = "teomq/web/v1 page-auth\x00"
	testBrokerAuthContext = "teomq/web/v1 broker-auth\x00"
	testWebProtocol       = "teomq.v1"
)

// mustStartWebBroker starts a broker with an HTTP listener on 127.0.0.1:0.
func mustStartWebBroker(t testing.TB, cfg teomq.BrokerConfig) *teomq.Broker {
	t.Helper()
	cfg.HTTP = "127.0.0.1:0"
	return mustStartBroker(t, cfg)
}

// wsURL is the broker's WebSocket URL.
func wsURL(b *teomq.Broker) string { return "ws://" + b.HTTPAddr().String() + "/teomq" }

// webHello is what the broker's hello says.
type webHello struct {
	brokerKey  ed25519.PublicKey
	nonce      []byte
	maxMessage int
	keepAlive  time.Duration
}

// webPage is a test peer speaking to the broker as a browser page does.
type webPage struct {
	t     testing.TB
	conn  *websocket.Conn
	key   ed25519.PrivateKey
	addr  string
	hello webHello
	queue [][]byte // frames of the last message not yet returned
}

// dialOptions are how dialWeb connects.
type dialOptions struct {
	origin        string // Origin header; empty: the broker's own origin
	noOrigin      bool   // send no Origin header
	host          string // Host header; empty: the broker's HTTP address
	from          string // local IP address to dial from; empty: any
	noSubprotocol bool
}

// dialWeb opens a WebSocket to the broker as a page of the broker's own
// origin does, unless o says otherwise.
func dialWeb(t testing.TB, b *teomq.Broker, o dialOptions) (*webPage, *http.Response, error) {
	t.Helper()
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}, Host: o.host}
	if !o.noSubprotocol {
		opts.Subprotocols = []string{testWebProtocol}
	}
	switch {
	case o.noOrigin:
	case o.origin != "":
		opts.HTTPHeader.Set("Origin", o.origin)
	default:
		opts.HTTPHeader.Set("Origin", "http://"+b.HTTPAddr().String())
	}
	if o.from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.from)}}
		tr := &http.Transport{DialContext: d.DialContext}
		t.Cleanup(tr.CloseIdleConnections)
		opts.HTTPClient = &http.Client{Transport: tr}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, wsURL(b), opts)
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(64 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &webPage{t: t, conn: conn, key: key, addr: teonet.AddressOf(key.Public().(ed25519.PublicKey))}
	return p, resp, nil
}

// readHello reads and checks the broker's hello.
func (p *webPage) readHello() {
	p.t.Helper()
	msg := p.read()
	if len(msg) != 2+32+32+4+4 || msg[0] != 1 || msg[1] != 1 {
		p.t.Fatalf("hello: got % x", msg)
	}
	p.hello = webHello{
		brokerKey:  ed25519.PublicKey(msg[2:34]),
		nonce:      msg[34:66],
		maxMessage: int(binary.BigEndian.Uint32(msg[66:])),
		keepAlive:  time.Duration(binary.BigEndian.Uint32(msg[70:])) * time.Millisecond,
	}
}

// auth is the page's auth message, for tests to spoil.
type auth struct {
	key       ed25519.PublicKey
	nonce     []byte
	signedFor string // the broker address signed for
	signer    ed25519.PrivateKey
	raw       []byte // when set, sent instead
}

// sendAuth signs the broker's nonce as a page does, after mod changes what
// it signs or sends.
func (p *webPage) sendAuth(brokerAddr string, mod func(*auth)) []byte {
	p.t.Helper()
	a := auth{key: p.key.Public().(ed25519.PublicKey), nonce: make([]byte, 32), signedFor: brokerAddr, signer: p.key}
	rand.Read(a.nonce)
	if mod != nil {
		mod(&a)
	}
	msg := a.raw
	if msg == nil {
		signed := append(append([]byte(testPageAuthContext), p.hello.nonce...), a.signedFor...)
		msg = append([]byte{1, 2}, a.key...)
		msg = append(msg, a.nonce...)
		msg = append(msg, ed25519.Sign(a.signer, signed)...)
	}
	p.write(msg)
	return a.nonce
}

// handshake runs the whole handshake and checks the broker's proof.
func (p *webPage) handshake(b *teomq.Broker) {
	p.t.Helper()
	p.readHello()
	if got := teonet.AddressOf(p.hello.brokerKey); got != b.Address() {
		p.t.Fatalf("hello key hashes to %s, want the broker's address %s", got, b.Address())
	}
	p.readWelcome(p.sendAuth(b.Address(), nil))
}

// readWelcome reads the broker's welcome and checks its signature of the
// page's nonce.
func (p *webPage) readWelcome(nonce []byte) {
	p.t.Helper()
	msg := p.read()
	if len(msg) != 2+64 || msg[0] != 1 || msg[1] != 3 {
		p.t.Fatalf("welcome: got % x", msg)
	}
	signed := append(append([]byte(testBrokerAuthContext), nonce...), p.addr...)
	if !ed25519.Verify(p.hello.brokerKey, signed, msg[2:]) {
		p.t.Fatal("the broker's welcome signature does not verify")
	}
}

// send writes frames in one WebSocket message.
func (p *webPage) send(frames ...wire.Frame) {
	p.t.Helper()
	var msg []byte
	for _, f := range frames {
		start := len(msg)
		msg = f.AppendTo(append(msg, 0, 0, 0, 0))
		binary.BigEndian.PutUint32(msg[start:], uint32(len(msg)-start-4))
	}
	p.write(msg)
}

func (p *webPage) write(msg []byte) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.conn.Write(ctx, websocket.MessageBinary, msg); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

func (p *webPage) read() []byte {
	p.t.Helper()
	msg, err := p.readErr()
	if err != nil {
		p.t.Fatalf("read: %v", err)
	}
	return msg
}

func (p *webPage) readErr() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, msg, err := p.conn.Read(ctx)
	if err == nil && typ != websocket.MessageBinary {
		p.t.Fatalf("broker sent a text message")
	}
	return msg, err
}

// nextFrame returns the next frame of type want, answering Pings and
// skipping other frames.
func (p *webPage) nextFrame(want wire.Type) wire.Frame {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(p.queue) == 0 {
			p.queue = splitFrames(p.t, p.read(), p.hello.maxMessage)
		}
		raw := p.queue[0]
		p.queue = p.queue[1:]
		f, err := wire.Decode(raw)
		if err != nil {
			p.t.Fatalf("broker sent a frame that does not decode: %v", err)
		}
		if ping, ok := f.(*wire.Ping); ok {
			p.send(&wire.Pong{Nonce: ping.Nonce})
		}
		if f.Type() == want {
			return f
		}
	}
	p.t.Fatalf("no frame of type %v", want)
	return nil
}

// splitFrames cuts a message into its length-prefixed frames, checking
// the message limit the hello announced.
func splitFrames(t testing.TB, msg []byte, limit int) [][]byte {
	t.Helper()
	if len(msg) > limit {
		t.Fatalf("broker sent a message of %d bytes, over the %d it announced", len(msg), limit)
	}
	var frames [][]byte
	for len(msg) > 0 {
		if len(msg) < 4 {
			t.Fatalf("message ends inside a frame length")
		}
		n := int(binary.BigEndian.Uint32(msg))
		if n == 0 || n > len(msg)-4 {
			t.Fatalf("frame length %d does not fit the %d bytes left", n, len(msg)-4)
		}
		frames = append(frames, msg[4:4+n])
		msg = msg[4+n:]
	}
	return frames
}

// closeStatus reads until the broker closes the connection and returns
// the close status and reason.
func (p *webPage) closeStatus() (websocket.StatusCode, string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err := p.readErr()
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			p.t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce.Code, ce.Reason
	}
	p.t.Fatal("the broker did not close the connection")
	return 0, ""
}
