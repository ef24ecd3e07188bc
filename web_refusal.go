package teomq

import (
	"errors"
	"net"
	"net/http"
	"strconv"
)

// Reasons a WebSocket request is refused. Each is sent to the page (or its
// developer) to read, before the upgrade as the body of the HTTP refusal,
// after it as the close reason, and logged; none is returned by an
// exported method.
var (
	// errWebNoOrigin is the reason when the request carries no Origin
	// header: it does not come from a browser page.
	errWebNoOrigin = errors.New("teomq: refused: no Origin header; the WebSocket serves browser pages, Go programs connect to the broker's Teonet port")
	// errWebHostRefused is the reason when the request's Host is not a
	// name the broker serves (BrokerConfig.AllowedHosts).
	errWebHostRefused = errors.New("teomq: refused: host not served by this broker")
	// errWebOriginRefused is the reason when the page's origin is neither
	// the broker's own nor listed in BrokerConfig.AllowedOrigins.
	errWebOriginRefused = errors.New("teomq: refused: origin not allowed")
	// errWebBusy is the reason when too many WebSocket handshakes are in
	// progress, from the request's source or in total.
	errWebBusy = errors.New("teomq: refused: too many web handshakes in progress, retry later")
	// errWebNoSubprotocol is the close reason when the page did not offer
	// the teomq subprotocol.
	errWebNoSubprotocol = errors.New("teomq: refused: subprotocol " + webProtocol + " required")
	// errWebBodyTooLarge is the reason when a request's body is over
	// HTTPLimits.MaxBodyBytes.
	errWebBodyTooLarge = errors.New("teomq: refused: request body too large")
)

// refuse answers r with status and the reason as a plain-text body, and
// logs it through the rate-limited refusal log. Pages of any origin may
// read the reason, which names only what the request itself carried.
func (s *webServer) refuse(w http.ResponseWriter, r *http.Request, status int, reason error) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Access-Control-Allow-Origin", "*")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(1))
	}
	w.WriteHeader(status)
	w.Write([]byte(reason.Error() + "\n"))
	s.refusals.refused(sourceIP(r.RemoteAddr), reason, r.Header.Get("Origin"), r.Host)
}

// sourceIP is the IP address of a "host:port" remote address, or the
// whole of it when it has no port.
func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
