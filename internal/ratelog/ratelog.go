// Package ratelog keeps logs that a peer can trigger from growing with
// what the peer does: one line per interval, with a count of the ones
// held back.
package ratelog

import (
	"sync"
	"time"
)

// Limiter lets one event through per interval and counts the others. The
// zero value lets every event through; set Interval. A Limiter is safe for
// concurrent use.
type Limiter struct {
	// Interval is the least time between two events let through.
	Interval time.Duration

	mu         sync.Mutex // guards next and suppressed
	next       time.Time  // when the next event may be let through
	suppressed int        // events held back since the last one let through
}

// Allow reports whether an event at now is to be logged and, if so, how
// many were held back since the last one logged.
func (l *Limiter) Allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.suppressed++
		return false, 0
	}
	l.next = now.Add(l.Interval)
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}
