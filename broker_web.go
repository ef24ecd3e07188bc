package teomq

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/teonet-go/teomq/teonet"
)

// webProtocol is the WebSocket subprotocol of teomq browser peers.
const webProtocol = "teomq.v1"

// serveWebSocket serves /teomq: it checks the request's Host and Origin
// (web_origin.go) and takes a handshake slot, refusing with an HTTP status
// and a reason in the body before any upgrade; then it upgrades to a
// WebSocket, runs the web handshake (web_handshake.go) and hands the
// authenticated connection to the broker as a peer, which then speaks the
// same frames as a Go peer. It runs on the HTTP server's goroutine for the
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

	params := webHandshakeParams{
		maxMessage: b.cfg.maxFrame() + webFrameHeaderLen,
		keepAlive:  b.webKeepAlive(),
		authRead:   release,
	}
	conn.SetReadLimit(webAuthLen)
	// The deadline covers a page that opens the WebSocket and never
	// answers: the library closes the socket when it passes.
	ctx, cancel := context.WithTimeout(s.ctx, s.limits.HandshakeTimeout)
	defer cancel()
	peer, err := b.webHandshake(ctx, conn, params)
	if err != nil && s.ctx.Err() != nil {
		conn.CloseNow() // the broker is closing
		return
	}
	if err != nil {
		s.refusals.refused(sourceIP(r.RemoteAddr), err, r.Header.Get("Origin"), r.Host)
		conn.Close(websocket.StatusPolicyViolation, clipReason(err.Error()))
		return
	}
	// Each message is read whole, up to the largest frame and its length
	// prefix. Our reader enforces maxMessage with a clearer close reason
	// than the library's limit, which is one byte further and bounds what
	// the library buffers.
	conn.SetReadLimit(int64(params.maxMessage) + 1)
	b.log.Debug("teomq: web peer authenticated", "peer", peer, "remote", r.RemoteAddr)
	b.startConn(newWebConn(conn, webConnConfig{
		peer:       peer,
		remote:     webAddr(r.RemoteAddr),
		log:        b.log,
		maxFrame:   b.cfg.maxFrame(),
		maxMessage: params.maxMessage,
		maxQueue:   b.cfg.MaxPeerQueue,
		keepAlive:  params.keepAlive,
	}), r.Header.Get("Origin"))
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
