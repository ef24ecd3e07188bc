package teomq

import (
	"errors"
	"fmt"
	"net/http"
)

// Reasons a broker is not ready, sent as /readyz's body.
var (
	// errStarting: the store is being loaded, or the peer port is not
	// listening yet.
	errStarting = errors.New("teomq: starting: loading the store")
	// errClosing: Close was called.
	errClosing = errors.New("teomq: closing")
)

// readiness returns nil when the broker serves peers: its store is loaded,
// its peer port listens, it is not closing and its store takes writes.
// Otherwise it returns why not. Safe for concurrent use.
func (b *Broker) readiness() error {
	select {
	case <-b.exit:
		return errClosing
	default:
	}
	if !b.started.Load() {
		return errStarting
	}
	return b.Health()
}

// serveReady answers /readyz: 200 "ok" once the broker is ready, 503 and
// the reason while it starts, closes, or its store has failed. A load
// balancer sends traffic while it answers 200; /healthz says whether the
// process should be restarted.
func (b *Broker) serveReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := b.readiness(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err)
		return
	}
	fmt.Fprintln(w, "ok")
}
