// Package ratelog limits how often a log line that a remote peer can
// trigger is written, counting the lines it holds back.
package ratelog

import (
	"sync"
	"time"
)

// DefaultEvery is the interval of a Limiter whose Every is 0.
const DefaultEvery = time.Second

// Limiter lets one event through per interval and counts the events it
// holds back meanwhile, so that the next line written can say how many
// were suppressed. The zero value allows one event per DefaultEvery. A
// Limiter is safe for concurrent use.
type Limiter struct {
	// Every is the least time between two events let through; 0 means
	// DefaultEvery. Set it before first use.
	Every time.Duration

	mu         sync.Mutex // guards next and suppressed
	next       time.Time  // when the next event may pass
	suppressed int        // events held back since the last one let through
}

// Allow reports whether an event happening now is to be logged and, if so,
// how many events were held back since the last one allowed.
func (l *Limiter) Allow() (suppressed int, ok bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.suppressed++
		return 0, false
	}
	every := l.Every
	if every <= 0 {
		every = DefaultEvery
	}
	l.next = now.Add(every)
	suppressed, l.suppressed = l.suppressed, 0
	return suppressed, true
}
