package teomq

import (
	"log/slog"
	"sync"
	"time"
)

const (
	// refusalLogInterval is how often a source's refusals are logged at
	// most.
	refusalLogInterval = time.Minute
	// maxRefusalSources bounds the sources a refusalLog remembers; past
	// it, sources not logged within the interval are forgotten, and
	// refusals from new sources are counted together as refusalOverflow.
	maxRefusalSources = 1024
	// refusalOverflow is the source of refusals counted together.
	refusalOverflow = "(other sources)"
)

// refusalLog logs refused requests, at most one line per source and
// interval, so that a peer cannot flood the log: the line of a source
// counts its refusals since its previous line. Safe for concurrent use.
type refusalLog struct {
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex // guards sources
	sources map[string]*refusalSource
}

// refusalSource is what a refusalLog remembers of a source.
type refusalSource struct {
	logged time.Time // when its last line was written; zero: never
	count  int       // refusals since then, this one included
}

// newRefusalLog returns a refusalLog writing to log once per interval and
// source.
func newRefusalLog(log *slog.Logger, interval time.Duration) *refusalLog {
	return &refusalLog{log: log, interval: interval, now: time.Now, sources: make(map[string]*refusalSource)}
}

// refused counts a refusal of a request from source for reason, and logs
// it with the source's count unless the source was logged within the
// interval.
func (l *refusalLog) refused(source string, reason error, origin, host string) {
	source, n, ok := l.count(source)
	if !ok {
		return
	}
	l.log.Warn("teomq: web request refused", "source", source, "refused", n, "reason", reason, "origin", origin, "host", host)
}

// count counts a refusal from source and reports whether to log it, with
// the source it is counted under and that source's refusals since its
// last line.
func (l *refusalLog) count(source string) (string, int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	source, src := l.lookup(source, now)
	src.count++
	if !src.logged.IsZero() && now.Sub(src.logged) < l.interval {
		return source, 0, false
	}
	n := src.count
	src.logged, src.count = now, 0
	return source, n, true
}

// lookup returns the entry of source, added when new. When the map is
// full it first forgets the sources not logged within the interval (and
// their refusals not logged yet); when none can be forgotten, the new
// source is counted under refusalOverflow. Called with l.mu held.
func (l *refusalLog) lookup(source string, now time.Time) (string, *refusalSource) {
	if src := l.sources[source]; src != nil {
		return source, src
	}
	if len(l.sources) >= maxRefusalSources {
		for s, src := range l.sources {
			if now.Sub(src.logged) >= l.interval {
				delete(l.sources, s)
			}
		}
	}
	if len(l.sources) >= maxRefusalSources {
		source = refusalOverflow
		if src := l.sources[source]; src != nil {
			return source, src
		}
	}
	src := &refusalSource{}
	l.sources[source] = src
	return source, src
}
