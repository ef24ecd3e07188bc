package teonet_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

// acceptPage starts a web server for n with cfg, connects a page that
// passes the handshake and returns both ends.
func acceptPage(t *testing.T, n *teonet.Node, cfg teonet.WebConfig) (*testPage, *teonet.WebChannel) {
	t.Helper()
	url, results := startWebServer(t, n, cfg)
	page := dialPage(t, url)
	page.authenticate(n.Address())
	r := waitWeb(t, results)
	if r.err != nil {
		t.Fatalf("AcceptWeb: %v", r.err)
	}
	// The page goes first, so that the channel's Close at cleanup does not
	// wait for a close handshake nobody reads.
	t.Cleanup(func() { page.conn.CloseNow() })
	return page, r.ch
}

func TestWebChannelCarriesFramesBothWays(t *testing.T) {
	n := newNode(t, t.TempDir(), "web")
	page, ch := acceptPage(t, n, teonet.WebConfig{})
	if ch.PeerAddress() != page.addr {
		t.Fatalf("PeerAddress %s, want the page key's address %s", ch.PeerAddress(), page.addr)
	}

	page.write(frames("one", "two"))
	for i, want := range []string{"one", "two"} {
		got, err := ch.Recv()
		if err != nil || string(got) != want {
			t.Fatalf("Recv %d: %q, %v; want %q", i, got, err, want)
		}
		if ready := ch.RecvReady(); ready != (i == 0) {
			t.Fatalf("RecvReady after frame %d: %v", i, ready)
		}
	}

	if err := ch.Send([]byte("three")); err != nil {
		t.Fatal(err)
	}
	if got := page.readFrames(); !slices.Equal(got, []string{"three"}) {
		t.Fatalf("page got %q, want [three]", got)
	}
}

func TestWebChannelCutsBatchesBetweenFrames(t *testing.T) {
	const maxFrame, count = 100, 20
	n := newNode(t, t.TempDir(), "web")
	page, ch := acceptPage(t, n, teonet.WebConfig{MaxFrame: maxFrame})
	if page.maxMessage != maxFrame+4 {
		t.Fatalf("hello announces messages of %d bytes, want %d", page.maxMessage, maxFrame+4)
	}
	var want []string
	for i := range count {
		payload := fmt.Sprintf("%02d%s", i, strings.Repeat("x", 58))
		want = append(want, payload)
		if err := ch.QueueAppend(func(dst []byte) []byte { return append(dst, payload...) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.FlushAsync(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < count {
		got = append(got, page.readFrames()...) // fails on a message over maxFrame+4
	}
	if !slices.Equal(got, want) {
		t.Fatalf("page got %q, want %q", got, want)
	}
}

func TestWebHandshakeRefusesAWrongSignature(t *testing.T) {
	n := newNode(t, t.TempDir(), "web")
	other := newNode(t, t.TempDir(), "other")
	url, results := startWebServer(t, n, teonet.WebConfig{})
	page := dialPage(t, url)
	page.authenticate(other.Address()) // signed for another node

	if code, reason, _ := page.closeStatus(); code != websocket.StatusPolicyViolation || !strings.Contains(reason, "does not verify") {
		t.Fatalf("closed with %v %q, want %v saying the signature does not verify", code, reason, websocket.StatusPolicyViolation)
	}
	if r := waitWeb(t, results); !errors.Is(r.err, teonet.ErrWebHandshake) {
		t.Fatalf("AcceptWeb: %v, want ErrWebHandshake", r.err)
	}
}

func TestWebChannelPingsAndDropsASilentPage(t *testing.T) {
	const keepAlive = 50 * time.Millisecond
	n := newNode(t, t.TempDir(), "web")
	page, ch := acceptPage(t, n, teonet.WebConfig{KeepAlive: keepAlive})
	recvErr := make(chan error, 1)
	go func() { // owned by the test; ends when the channel closes
		_, err := ch.Recv()
		recvErr <- err
	}()

	code, reason, before := page.closeStatus() // reads pings, answers none
	if code != websocket.StatusTryAgainLater || !strings.Contains(reason, "timed out") {
		t.Fatalf("closed with %v %q, want %v for a timeout", code, reason, websocket.StatusTryAgainLater)
	}
	if len(before) == 0 || !slices.Equal(before[0], frames("ping")) {
		t.Fatalf("before the close the page got %q, want Ping frames", before)
	}
	if err := <-recvErr; !errors.Is(err, teonet.ErrPeerTimeout) || !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Recv: %v, want ErrPeerTimeout and ErrClosed", err)
	}
}

func TestWebChannelDropsASlowPage(t *testing.T) {
	const maxQueue = 1 << 10
	n := newNode(t, t.TempDir(), "web")
	page, ch := acceptPage(t, n, teonet.WebConfig{MaxQueue: maxQueue})
	frame := strings.Repeat("x", 100)
	var err error
	for i := 0; i < 2*maxQueue/len(frame) && err == nil; i++ {
		err = ch.QueueAppend(func(dst []byte) []byte { return append(dst, frame...) })
	}
	if !errors.Is(err, teonet.ErrSlowPeer) || !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("QueueAppend past MaxQueue: %v, want ErrSlowPeer and ErrClosed", err)
	}
	if code, _, _ := page.closeStatus(); code != websocket.StatusTryAgainLater {
		t.Fatalf("closed with %v, want %v for a slow peer", code, websocket.StatusTryAgainLater)
	}
}

func TestWebChannelCloseWritesWhatIsQueued(t *testing.T) {
	n := newNode(t, t.TempDir(), "web")
	page, ch := acceptPage(t, n, teonet.WebConfig{})
	if err := ch.QueueAppend(func(dst []byte) []byte { return append(dst, "last"...) }); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- ch.Close() }()
	code, _, before := page.closeStatus()
	if code != websocket.StatusGoingAway || len(before) != 1 || !slices.Equal(before[0], frames("last")) {
		t.Fatalf("page got %q then %v, want [last] then %v", before, code, websocket.StatusGoingAway)
	}
	if err := <-closed; err != nil || ch.Err() != teonet.ErrClosed {
		t.Fatalf("Close: %v, Err %v; want nil, ErrClosed", err, ch.Err())
	}
	if _, err := ch.Recv(); !errors.Is(err, teonet.ErrClosed) {
		t.Fatalf("Recv after Close: %v, want ErrClosed", err)
	}
}

func TestWebChannelRefusesBadMessages(t *testing.T) {
	const maxFrame = 100
	tests := []struct {
		name   string
		typ    websocket.MessageType
		msg    []byte
		cause  error
		status websocket.StatusCode
	}{
		{"text message", websocket.MessageText, frames("hi"), teonet.ErrBadFraming, websocket.StatusProtocolError},
		{"frame past its message", websocket.MessageBinary, frames("hi")[:5], teonet.ErrBadFraming, websocket.StatusProtocolError},
		{"empty frame", websocket.MessageBinary, frames(""), teonet.ErrBadFraming, websocket.StatusProtocolError},
		{"frame over the limit", websocket.MessageBinary, []byte{0, 0, 0, maxFrame + 1, 'x'}, teonet.ErrFrameTooLarge, websocket.StatusMessageTooBig},
		{"message over the limit", websocket.MessageBinary, frames(strings.Repeat("x", 60), strings.Repeat("y", 60)), teonet.ErrFrameTooLarge, websocket.StatusMessageTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, t.TempDir(), "web")
			page, ch := acceptPage(t, n, teonet.WebConfig{MaxFrame: maxFrame})
			page.writeType(tc.typ, tc.msg)
			if _, err := ch.Recv(); !errors.Is(err, tc.cause) || !errors.Is(err, teonet.ErrClosed) {
				t.Fatalf("Recv: %v, want %v and ErrClosed", err, tc.cause)
			}
			if code, _, _ := page.closeStatus(); code != tc.status {
				t.Fatalf("closed with %v, want %v", code, tc.status)
			}
		})
	}
}

func TestWebAcceptNeedsAPing(t *testing.T) {
	n := newNode(t, t.TempDir(), "web")
	if _, err := n.AcceptWeb(t.Context(), nil, teonet.WebConfig{}); !errors.Is(err, teonet.ErrInvalidConfig) {
		t.Fatalf("AcceptWeb without Ping: %v, want ErrInvalidConfig", err)
	}
}
