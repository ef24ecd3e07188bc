package teomq

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// teomqJS is the browser client, web/teomq.js.
//
//go:embed web/teomq.js
var teomqJS []byte

// teomqJSETag is the browser client's entity tag: a hash of its content.
var teomqJSETag = func() string {
	sum := sha256.Sum256(teomqJS)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// webServer is the broker's HTTP listener and what it serves:
//
//	/teomq                    WebSocket endpoint of browser peers (broker_web.go)
//	/teomq.js, /web/teomq.js  the browser client, an ES module
//	/healthz                  200 "ok", or 503 and the store error
//	/readyz                   200 "ok" once started, 503 and why not (broker_ready.go)
//	/metrics                  Prometheus metrics (package metrics; 404 without it)
//	/, /dashboard.js          the live dashboard, and /api/stats its data (dashboard.go)
//
// The operator pages (/metrics, the dashboard and its data) answer only
// to the networks of BrokerConfig.OperatorFrom (web_operator.go).
//
// Its bounds are BrokerConfig.HTTPLimits. It is owned by the Broker:
// started by NewBroker, stopped by Close.
type webServer struct {
	ln         net.Listener
	srv        *http.Server
	access     webAccess       // who may open the WebSocket
	operators  operatorNets    // who may read the operator pages
	handshakes *handshakeSlots // WebSocket handshakes in progress
	refusals   *refusalLog     // refused requests, logged rate-limited
	limits     HTTPLimits
	// ctx is the base of request and handshake contexts; cancelled by
	// stopHTTP, so that handshakes in progress end with the broker.
	ctx    context.Context
	cancel context.CancelFunc
}

// startHTTP starts the HTTP listener of BrokerConfig.HTTP, if any. Its
// serving goroutine is counted in b.wg.
func (b *Broker) startHTTP() error {
	if b.cfg.HTTP == "" {
		return nil
	}
	ln, err := net.Listen("tcp", b.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("teomq: broker HTTP listen on %s: %w", b.cfg.HTTP, err)
	}
	ln = b.fds.Listener(ln)
	access, err := b.webAccess(ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	operators, err := parseOperatorNets(b.cfg.OperatorFrom)
	if err != nil {
		ln.Close()
		return err
	}
	lim := b.cfg.HTTPLimits
	s := &webServer{
		ln:         ln,
		access:     access,
		operators:  operators,
		handshakes: newHandshakeSlots(lim.MaxHandshakes, lim.MaxHandshakesPerIP),
		refusals:   newRefusalLog(b.log, refusalLogInterval),
		limits:     lim,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /teomq", b.serveWebSocket)
	mux.HandleFunc("GET /teomq.js", serveTeomqJS)
	mux.HandleFunc("GET /web/teomq.js", serveTeomqJS)
	mux.HandleFunc("GET /healthz", b.serveHealth)
	mux.HandleFunc("GET /readyz", b.serveReady)
	mux.Handle("GET /metrics", b.operatorOnly(b.metricsHandler()))
	b.handleDashboard(mux)
	s.srv = &http.Server{
		Handler: s.limitBodies(mux),
		// A WebSocket leaves these timeouts behind when it is upgraded:
		// net/http clears the deadlines of a hijacked connection.
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelDebug),
	}
	b.web = s
	b.wg.Add(1)
	go func() { // owned by the Broker; stopped by stopHTTP (Close)
		defer b.wg.Done()
		if err := s.srv.Serve(ln); err != http.ErrServerClosed {
			b.log.Error("teomq: HTTP server stopped", "err", err)
		}
	}()
	b.log.Debug("teomq: HTTP listening", "addr", ln.Addr())
	return nil
}

// webAccess is the access policy of the WebSocket for a listener on addr:
// BrokerConfig.AllowedHosts, or by default the loopback names and the
// configured host with the listener's port, and AllowedOrigins.
func (b *Broker) webAccess(addr net.Addr) (webAccess, error) {
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return webAccess{}, fmt.Errorf("teomq: broker HTTP address %s: %w", addr, err)
	}
	list := b.cfg.AllowedHosts
	if len(list) == 0 {
		list = defaultHosts(b.cfg.HTTP, port)
	}
	hosts, err := parseHosts(list, port)
	if err != nil {
		return webAccess{}, err
	}
	origins, err := parseOrigins(b.cfg.AllowedOrigins)
	if err != nil {
		return webAccess{}, err
	}
	return webAccess{hosts: hosts, origins: origins, policyLists: b.policyListsOrigin}, nil
}

// limitBodies refuses, with 413, a request announcing a body over
// HTTPLimits.MaxBodyBytes, and cuts a longer body short: no route takes
// one.
func (s *webServer) limitBodies(h http.Handler) http.Handler {
	limit := s.limits.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: %d bytes, limit %d", errWebBodyTooLarge, r.ContentLength, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h.ServeHTTP(w, r)
	})
}

// stopHTTP stops the HTTP listener and ends handshakes in progress.
// WebSocket peers already connected are brokerConns: Close closes them.
func (b *Broker) stopHTTP() {
	if b.web == nil {
		return
	}
	b.web.cancel()
	b.web.srv.Close()
}

// HTTPAddr returns the address of the broker's HTTP listener, or nil when
// BrokerConfig.HTTP is empty. Safe for concurrent use.
func (b *Broker) HTTPAddr() net.Addr {
	if b.web == nil {
		return nil
	}
	return b.web.ln.Addr()
}

// serveHealth answers 200 "ok" while the broker can store messages, and
// 503 with the store's error once it cannot.
func (b *Broker) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := b.Health(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintln(w, "ok")
}

// serveTeomqJS serves the browser client. Pages of other origins import
// it, so it is served to any origin (it is public and carries no
// credentials); browsers revalidate it by its entity tag.
func serveTeomqJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", teomqJSETag)
	http.ServeContent(w, r, "teomq.js", time.Time{}, bytes.NewReader(teomqJS))
}
