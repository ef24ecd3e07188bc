package teonet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

// The page side of the web handshake, written from its description in
// web_handshake.go: these tests check the node against it.
const (
	testPageAuthContext = "teomq/web/v1 page-auth\x00"
	testNodeAuthContext = "teomq/web/v1 broker-auth\x00"
)

// webAccepted is the outcome of one AcceptWeb.
type webAccepted struct {
	ch  *teonet.WebChannel
	err error
}

// startWebServer serves WebSockets on 127.0.0.1:0, handing each upgraded
// socket to n.AcceptWeb with cfg, and returns the server's ws:// URL and
// the outcomes. A refused page gets the close status of its error. The
// server and the channels are closed at cleanup.
func startWebServer(t testing.TB, n *teonet.Node, cfg teonet.WebConfig) (string, <-chan webAccepted) {
	t.Helper()
	if cfg.Ping == nil {
		cfg.Ping = func(dst []byte) []byte { return append(dst, "ping"...) }
	}
	out := make(chan webAccepted, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			out <- webAccepted{err: err}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		ch, err := n.AcceptWeb(ctx, conn, cfg)
		if err != nil {
			conn.Close(teonet.WebCloseStatus(err))
			out <- webAccepted{err: err}
			return
		}
		t.Cleanup(func() { ch.Close() })
		out <- webAccepted{ch: ch}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), out
}

// waitWeb returns the next AcceptWeb outcome.
func waitWeb(t testing.TB, results <-chan webAccepted) webAccepted {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(testTimeout):
		t.Fatal("no WebSocket was accepted")
		return webAccepted{}
	}
}

// testPage is the browser side of a WebChannel, as web/teomq.js speaks it.
type testPage struct {
	t          testing.TB
	conn       *websocket.Conn
	key        ed25519.PrivateKey
	addr       string
	nodeKey    ed25519.PublicKey
	nonce      []byte // the node's
	maxMessage int
}

// dialPage opens a WebSocket to url and reads the node's hello.
func dialPage(t testing.TB, url string) *testPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetReadLimit(64 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPage{t: t, conn: conn, key: key, addr: teonet.AddressOf(key.Public().(ed25519.PublicKey))}
	hello := p.read()
	if len(hello) != 2+32+32+4+4 || hello[0] != 1 || hello[1] != 1 {
		t.Fatalf("hello: got % x", hello)
	}
	p.nodeKey = ed25519.PublicKey(hello[2:34])
	p.nonce = hello[34:66]
	p.maxMessage = int(binary.BigEndian.Uint32(hello[66:]))
	return p
}

// authenticate signs the node's nonce for nodeAddr and, if the node
// accepts, checks its welcome.
func (p *testPage) authenticate(nodeAddr string) {
	p.t.Helper()
	nonce := make([]byte, 32)
	rand.Read(nonce)
	signed := append(append([]byte(testPageAuthContext), p.nonce...), nodeAddr...)
	msg := append([]byte{1, 2}, p.key.Public().(ed25519.PublicKey)...)
	msg = append(msg, nonce...)
	p.write(append(msg, ed25519.Sign(p.key, signed)...))
	if nodeAddr != teonet.AddressOf(p.nodeKey) {
		return // the node refuses: no welcome
	}
	welcome := p.read()
	if len(welcome) != 2+64 || welcome[0] != 1 || welcome[1] != 3 {
		p.t.Fatalf("welcome: got % x", welcome)
	}
	if !ed25519.Verify(p.nodeKey, append(append([]byte(testNodeAuthContext), nonce...), p.addr...), welcome[2:]) {
		p.t.Fatal("the node's welcome signature does not verify")
	}
}

// frames builds one message of length-prefixed frames.
func frames(payloads ...string) []byte {
	var msg []byte
	for _, p := range payloads {
		msg = binary.BigEndian.AppendUint32(msg, uint32(len(p)))
		msg = append(msg, p...)
	}
	return msg
}

func (p *testPage) write(msg []byte) {
	p.t.Helper()
	p.writeType(websocket.MessageBinary, msg)
}

func (p *testPage) writeType(typ websocket.MessageType, msg []byte) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.conn.Write(ctx, typ, msg); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

func (p *testPage) read() []byte {
	p.t.Helper()
	msg, err := p.readErr()
	if err != nil {
		p.t.Fatalf("read: %v", err)
	}
	return msg
}

func (p *testPage) readErr() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, msg, err := p.conn.Read(ctx)
	return msg, err
}

// readFrames reads one message and cuts it into its frames, checking the
// message limit the hello announced.
func (p *testPage) readFrames() []string {
	p.t.Helper()
	msg := p.read()
	if len(msg) > p.maxMessage {
		p.t.Fatalf("message of %d bytes, over the %d the hello announced", len(msg), p.maxMessage)
	}
	var out []string
	for len(msg) > 0 {
		n := int(binary.BigEndian.Uint32(msg))
		if n == 0 || n > len(msg)-4 {
			p.t.Fatalf("frame length %d does not fit the %d bytes left", n, len(msg)-4)
		}
		out = append(out, string(msg[4:4+n]))
		msg = msg[4+n:]
	}
	return out
}

// closeStatus reads until the node closes the WebSocket, within
// testTimeout, and returns the close status and reason, and the messages
// read before it.
func (p *testPage) closeStatus() (websocket.StatusCode, string, [][]byte) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var before [][]byte
	for {
		_, msg, err := p.conn.Read(ctx)
		if err == nil {
			before = append(before, msg)
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			p.t.Fatalf("connection ended without a close frame after %d messages: %v", len(before), err)
		}
		return ce.Code, ce.Reason, before
	}
}
