package teomq

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// The broker follows its store's health. A store short of a resource
// (store.ErrStoreUnavailable) is an outage: publishes are refused with
// wire.CodeStoreUnavailable while it lasts, and taken again once the
// store recovers. Any other store error fails the broker for good
// (wire.CodeStoreFailed) until it is restarted.

// healthReporter is a store that reports its health (pebblestore.PebbleStore):
// the broker then learns of the end of an outage without writing.
type healthReporter interface {
	Health() error
}

// outageLog rate-limits the broker's log of store outages: it says when
// one starts and when it ends, but only counts the outages that start
// less than outageLogEvery after the last one it logged, for its next
// line. Guarded by Broker.mu.
type outageLog struct {
	at     time.Time // when the last logged outage started
	on     bool      // the outage under way was logged
	missed int       // outages not logged since the last one logged
}

// outageLogEvery is the least time between two logged outages.
const outageLogEvery = 10 * time.Second

// storeHealth returns the store error that stops publishes now, or nil:
// the broker's sticky failure; else what the store reports, which starts
// or ends an outage; else, for a store that does not report its health,
// the outage its last write met. Called with b.mu held.
func (b *Broker) storeHealth() error {
	if b.storeErr != nil && !errors.Is(b.storeErr, store.ErrStoreUnavailable) {
		return b.storeErr
	}
	h, ok := b.store.(healthReporter)
	if !ok {
		return b.storeErr
	}
	switch err := h.Health(); {
	case err == nil:
		b.storeRecovered()
	case !errors.Is(err, store.ErrClosed): // closed by Close: no news
		b.setStoreErr(err)
	}
	return b.storeErr
}

// storeRefusal returns the error a publish is refused with before it
// reaches the store, or nil. During an outage of a store that does not
// report its health, the publish itself tries the store. Called with
// b.mu held.
func (b *Broker) storeRefusal() error {
	if b.storeErr == nil {
		return nil
	}
	if _, ok := b.store.(healthReporter); !ok && errors.Is(b.storeErr, store.ErrStoreUnavailable) {
		return nil
	}
	return b.storeHealth()
}

// followStore takes a change of health that the store reported
// (pebblestore.PebbleOptions.OnHealth). Called from the store's goroutine.
func (b *Broker) followStore(err error) {
	b.mu.Lock()
	switch {
	case err == nil:
		b.storeRecovered()
	case !errors.Is(err, store.ErrClosed):
		b.setStoreErr(err)
	}
	b.unlock()
}

// storeWritten follows the outcome err of a store write: a failure
// starts an outage or fails the broker; a success ends an outage that the
// store no longer reports. Called with b.mu held.
func (b *Broker) storeWritten(err error) {
	if err != nil {
		b.setStoreErr(err)
		return
	}
	if b.storeErr == nil {
		return
	}
	if _, ok := b.store.(healthReporter); ok {
		b.storeHealth()
		return
	}
	b.storeRecovered()
}

// setStoreErr records a store error: an outage, unless one is under way,
// or the broker's sticky failure, unless there is one already. Called
// with b.mu held.
func (b *Broker) setStoreErr(err error) {
	transient := errors.Is(b.storeErr, store.ErrStoreUnavailable)
	switch {
	case b.storeErr != nil && !transient: // failed for good already
	case errors.Is(err, store.ErrStoreUnavailable):
		if b.storeErr != nil {
			return
		}
		b.storeErr = err
		now := time.Now()
		if now.Sub(b.storeLog.at) < outageLogEvery {
			b.storeLog.missed++
			return
		}
		b.log.Warn("teomq: store unavailable: publishes are refused until it recovers",
			"err", err, "outages_not_logged", b.storeLog.missed)
		b.storeLog = outageLog{at: now, on: true}
	default:
		b.storeErr = err
		b.log.Error("teomq: store failed: publishes are refused until the broker restarts on a healthy disk", "err", err)
	}
}

// storeRecovered ends an outage: publishes are taken again, and the store
// changes held back during it are written. Called with b.mu held.
func (b *Broker) storeRecovered() {
	if b.storeErr == nil || !errors.Is(b.storeErr, store.ErrStoreUnavailable) {
		return
	}
	b.storeErr = nil
	if b.storeLog.on {
		b.storeLog.on = false
		b.log.Info("teomq: store available again: publishes are accepted", "after", time.Since(b.storeLog.at).Round(time.Millisecond))
	}
	if len(b.lazy) > 0 {
		select {
		case b.lazyWake <- struct{}{}:
		default:
		}
	}
}

// keepLazy puts the store changes ops of a write that the store refused
// during an outage (err) back in front of the queue, so that they are
// written, in order, with the next write after it. Called without b.mu.
func (b *Broker) keepLazy(ops []store.Op, err error) {
	if len(ops) == 0 || !errors.Is(err, store.ErrStoreUnavailable) {
		return
	}
	b.mu.Lock()
	b.lazy = append(slices.Clone(ops), b.lazy...)
	b.mu.Unlock()
}

// storeCode is the wire code that refuses a publish for the store error
// err: unavailable (retry later) during an outage, failed otherwise.
func storeCode(err error) wire.Code {
	if errors.Is(err, store.ErrStoreUnavailable) {
		return wire.CodeStoreUnavailable
	}
	return wire.CodeStoreFailed
}

// publicStoreErr is the store error err as Health returns it: matching
// ErrStoreUnavailable during an outage, ErrStoreFailed otherwise.
func publicStoreErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrStoreUnavailable):
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrStoreFailed, err)
}
