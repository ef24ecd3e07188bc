package teomq

import (
	"fmt"
	"time"
)

// Defaults of HTTPLimits.
const (
	defaultHTTPReadHeaderTimeout = 5 * time.Second
	defaultHTTPReadTimeout       = 10 * time.Second
	defaultHTTPWriteTimeout      = 30 * time.Second
	defaultHTTPIdleTimeout       = 30 * time.Second
	defaultHTTPMaxHeaderBytes    = 32 << 10
	defaultHTTPMaxBodyBytes      = 4 << 10
	defaultWebHandshakeTimeout   = 10 * time.Second
	defaultMaxWebHandshakes      = 256
	defaultMaxWebHandshakesPerIP = 16
)

// HTTPLimits bounds what a client of the broker's HTTP listener may hold:
// time, header and body bytes, and WebSocket handshakes in progress. The
// zero value of each field takes its default; a negative value is an
// error matching ErrBadConfig.
//
// A WebSocket is subject to ReadTimeout, WriteTimeout and IdleTimeout only
// until it is upgraded; from then on HandshakeTimeout bounds its web
// handshake, and the keepalive (BrokerConfig.KeepAlive) drops a peer
// silent for three intervals.
type HTTPLimits struct {
	// ReadHeaderTimeout bounds how long a client may take to send the
	// headers of a request, a WebSocket upgrade included. Default 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included. Default
	// 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response. Default 30s.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request before the broker closes it. Default 30s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's headers. Default
	// 32 KiB.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request's body; a request announcing a larger
	// one is refused with 413. Default 4 KiB: no route takes a body.
	MaxBodyBytes int64
	// HandshakeTimeout bounds the web handshake once the WebSocket is
	// open: a page that has not proved its key by then is disconnected.
	// Default 10s.
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the WebSocket upgrades and web handshakes in
	// progress; past it a new one is refused with 503. Default 256.
	MaxHandshakes int
	// MaxHandshakesPerIP bounds them per source IP address, so that one
	// source cannot take every slot. Default 16.
	MaxHandshakesPerIP int
}

// withDefaults fills in defaults and validates.
func (l HTTPLimits) withDefaults() (HTTPLimits, error) {
	for _, v := range []struct {
		name string
		bad  bool
	}{
		{"ReadHeaderTimeout", l.ReadHeaderTimeout < 0},
		{"ReadTimeout", l.ReadTimeout < 0},
		{"WriteTimeout", l.WriteTimeout < 0},
		{"IdleTimeout", l.IdleTimeout < 0},
		{"MaxHeaderBytes", l.MaxHeaderBytes < 0},
		{"MaxBodyBytes", l.MaxBodyBytes < 0},
		{"HandshakeTimeout", l.HandshakeTimeout < 0},
		{"MaxHandshakes", l.MaxHandshakes < 0},
		{"MaxHandshakesPerIP", l.MaxHandshakesPerIP < 0},
	} {
		if v.bad {
			return l, fmt.Errorf("%w: HTTPLimits.%s must not be negative", ErrBadConfig, v.name)
		}
	}
	setDefault(&l.ReadHeaderTimeout, defaultHTTPReadHeaderTimeout)
	setDefault(&l.ReadTimeout, defaultHTTPReadTimeout)
	setDefault(&l.WriteTimeout, defaultHTTPWriteTimeout)
	setDefault(&l.IdleTimeout, defaultHTTPIdleTimeout)
	setDefault(&l.MaxHeaderBytes, defaultHTTPMaxHeaderBytes)
	setDefault(&l.MaxBodyBytes, defaultHTTPMaxBodyBytes)
	setDefault(&l.HandshakeTimeout, defaultWebHandshakeTimeout)
	setDefault(&l.MaxHandshakes, defaultMaxWebHandshakes)
	setDefault(&l.MaxHandshakesPerIP, defaultMaxWebHandshakesPerIP)
	return l, nil
}

// setDefault sets *v to def when it is zero.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
