package teonet

import (
	"sync/atomic"

	"github.com/teonet-go/teomq/internal/ratelog"
)

// ListenerStats is a snapshot of a Listener's admission: what is in
// progress now, and how many connections it accepted, refused or dropped
// since it started.
type ListenerStats struct {
	// Handshaking is how many connections are being authenticated now.
	Handshaking int
	// Open is how many accepted channels are open (returned by Accept or
	// waiting for it).
	Open int
	// Accepted counts the channels authenticated.
	Accepted uint64
	// RefusedFull counts connections closed at once because MaxPeers
	// channels were open.
	RefusedFull uint64
	// RefusedPerIP counts connections closed at once because their source
	// had MaxHandshakesPerIP handshakes in progress.
	RefusedPerIP uint64
	// DroppedHandshakes counts handshakes dropped to make room for a newer
	// connection while MaxHandshakes were in progress.
	DroppedHandshakes uint64
	// FailedHandshakes counts handshakes that failed or timed out
	// (ErrHandshakeTimeout).
	FailedHandshakes uint64
}

// listenerCounts are the counters of ListenerStats.
type listenerCounts struct {
	accepted, refusedFull, refusedPerIP, dropped, failed atomic.Uint64
}

// listenerLogs rate-limits the warnings peers can trigger, one limiter per
// kind, so that a flood of one kind does not hide the others.
type listenerLogs struct {
	full, perIP, dropped, failed ratelog.Limiter
}

// Stats returns the listener's admission counters. It is safe for
// concurrent use.
func (l *Listener) Stats() ListenerStats {
	l.handshakesMu.Lock()
	handshaking := l.handshakes.len()
	l.handshakesMu.Unlock()
	return ListenerStats{
		Handshaking:       handshaking,
		Open:              int(l.open.Load()),
		Accepted:          l.counts.accepted.Load(),
		RefusedFull:       l.counts.refusedFull.Load(),
		RefusedPerIP:      l.counts.refusedPerIP.Load(),
		DroppedHandshakes: l.counts.dropped.Load(),
		FailedHandshakes:  l.counts.failed.Load(),
	}
}
