package pebblestore

import (
	"errors"
	"fmt"
	"time"

	"github.com/teonet-go/teomq/store"
)

// failure is a state in which the store refuses writes: the sticky
// failure of the medium, or an outage that ends by itself.
type failure struct {
	err   error
	since time.Time
}

// Health returns nil while the store works; an error wrapping
// ErrStoreUnavailable (and its cause) while it is short of a resource,
// until it recovers by itself; the sticky error wrapping ErrStoreFailed
// once the medium failed; or ErrClosed after Close. It is safe for
// concurrent use and cheap enough for every request.
func (s *PebbleStore) Health() error {
	if f := s.failed.Load(); f != nil {
		return f.err
	}
	if s.done.Load() {
		return store.ErrClosed
	}
	if o := s.outage.Load(); o != nil {
		return o.err
	}
	return nil
}

// refusal returns the error that refuses a write now, if any: the sticky
// failure or the outage under way.
func (s *PebbleStore) refusal() error {
	if f := s.failed.Load(); f != nil {
		return f.err
	}
	if o := s.outage.Load(); o != nil {
		return o.err
	}
	return nil
}

// setFailed makes err the sticky failure, unless there is one already.
func (s *PebbleStore) setFailed(err error) {
	if s.failed.CompareAndSwap(nil, &failure{err: err, since: time.Now()}) {
		s.log.Error("store: failed; refusing writes", "dir", s.dir, "err", err.Error())
		s.prober.wakeUp()
	}
}

// fail records a failed commit as the sticky failure and returns it.
func (s *PebbleStore) fail(err error) error {
	if !errors.Is(err, store.ErrStoreFailed) {
		err = fmt.Errorf("%w: %w", store.ErrStoreFailed, err)
	}
	s.setFailed(err)
	return s.Health()
}

// setUnavailable starts an outage caused by the resource shortage cause,
// unless one is under way: writes are refused until the prober finds the
// resource back. A failed store stays failed.
func (s *PebbleStore) setUnavailable(cause error) {
	o := &failure{err: fmt.Errorf("%w: %w", store.ErrStoreUnavailable, cause), since: time.Now()}
	if !s.outage.CompareAndSwap(nil, o) {
		return
	}
	if s.failed.Load() == nil {
		s.log.Warn("store: unavailable; refusing writes until it recovers", "dir", s.dir, "err", cause.Error())
	}
	s.prober.wakeUp()
}

// recover ends outage o, unless it ended already, and reports whether it
// did.
func (s *PebbleStore) recover(o *failure) bool {
	if !s.outage.CompareAndSwap(o, nil) {
		return false
	}
	s.log.Info("store: available again", "dir", s.dir, "after", time.Since(o.since).Round(time.Millisecond))
	return true
}
