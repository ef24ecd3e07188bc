package teomq

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// webProtocol is the WebSocket subprotocol of teomq browser peers.
const webProtocol = "teomq.v1"

// serveWebSocket serves /teomq: it checks the request's Host and Origin
// (web_origin.go) and takes a handshake slot, refusing with an HTTP status
// and a reason in the body before any upgrade; then it upgrades to a
// WebSocket, has the node run the web handshake (teonet.Node.AcceptWeb)
// and hands the authenticated channel to the broker as a peer, which then
// speaks the same frames as a Go peer. It runs on the HTTP server's goroutine for the
// request and returns once the peer is started; the peer's goroutines
// belong to the Broker.
func (b *Broker) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	s := b.web
	if err := s.access.check(r); err != nil {
		s.refuse(w, r, http.StatusForbidden, err)
		return
	}
	if !b.started.Load() {
		s.refuse(w, r, http.StatusServiceUnavailable, errStarting)
		return
	}
	release, err := s.handshakes.acquire(sourceIP(r.RemoteAddr))
	if err != nil {
		s.refuse(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer release()
	if !b.trackHandshake() {
		http.Error(w, "teomq: broker shutting down", http.StatusServiceUnavailable)
		return
	}
	defer b.wg.Done()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // the origin is checked above
		Subprotocols:       []string{webProtocol},
	})
	if err != nil {
		b.log.Debug("teomq: web peer: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	if conn.Subprotocol() != webProtocol {
		s.refusals.refused(sourceIP(r.RemoteAddr), errWebNoSubprotocol, r.Header.Get("Origin"), r.Host)
		conn.Close(websocket.StatusPolicyViolation, errWebNoSubprotocol.Error())
		return
	}

	// The deadline covers a page that opens the WebSocket and never
	// answers: the library closes the socket when it passes.
	ctx, cancel := context.WithTimeout(s.ctx, s.limits.HandshakeTimeout)
	defer cancel()
	ch, err := b.node.AcceptWeb(ctx, conn, teonet.WebConfig{
		MaxFrame:   b.cfg.maxFrame(),
		MaxQueue:   b.cfg.MaxPeerQueue,
		KeepAlive:  b.webKeepAlive(),
		Ping:       newWebPinger(),
		RemoteAddr: webAddr(r.RemoteAddr),
		Logger:     b.log,
		AuthRead:   release,
	})
	if err != nil && s.ctx.Err() != nil {
		conn.CloseNow() // the broker is closing
		return
	}
	if err != nil {
		s.refusals.refused(sourceIP(r.RemoteAddr), err, r.Header.Get("Origin"), r.Host)
		conn.Close(teonet.WebCloseStatus(err))
		return
	}
	b.log.Debug("teomq: web peer authenticated", "peer", ch.PeerAddress(), "remote", r.RemoteAddr)
	b.startConn(ch, r.Header.Get("Origin"))
}

// newWebPinger returns the keepalive of one browser peer: a wire Ping
// frame with a nonce one higher each time, which the page answers with a
// Pong. Its channel calls it from one goroutine at a time.
func newWebPinger() func(dst []byte) []byte {
	var nonce uint64
	return func(dst []byte) []byte {
		nonce++
		return (&wire.Ping{Nonce: nonce}).AppendTo(dst)
	}
}

// trackHandshake counts a handshake in b.wg, so that Close waits for it,
// unless the broker is closing.
func (b *Broker) trackHandshake() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.exit:
		return false
	default:
		b.wg.Add(1)
		return true
	}
}

// webKeepAlive is the idle interval after which a web peer is pinged.
func (b *Broker) webKeepAlive() time.Duration {
	if b.cfg.KeepAlive > 0 {
		return b.cfg.KeepAlive
	}
	return teonet.DefaultKeepAlive
}

// webAddr is a browser's network address, "host:port" as the HTTP server
// saw it.
type webAddr string

// Network returns "websocket".
func (webAddr) Network() string { return "websocket" }

// String returns "host:port".
func (a webAddr) String() string { return string(a) }
