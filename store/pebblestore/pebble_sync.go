package pebblestore

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// intervalSyncer fsyncs the write-ahead log of a DurabilityInterval store
// every interval, when something was written since the last sync. The store
// starts it in OpenPebble and stops it in Close, before closing the engine.
type intervalSyncer struct {
	s     *PebbleStore
	dirty atomic.Bool // a write went unsynced
	exit  chan struct{}
	wg    sync.WaitGroup
}

func startIntervalSyncer(s *PebbleStore, interval time.Duration) *intervalSyncer {
	y := &intervalSyncer{s: s, exit: make(chan struct{})}
	y.wg.Add(1)
	go y.loop(interval)
	return y
}

func (y *intervalSyncer) loop(interval time.Duration) {
	defer y.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-y.exit:
			return
		case <-t.C:
			y.sync()
		}
	}
}

// sync fsyncs the log if a write went unsynced and the store is healthy.
func (y *intervalSyncer) sync() {
	if !y.dirty.Swap(false) || y.s.failed.Load() != nil {
		return
	}
	if err := y.s.db.LogData(nil, pebble.Sync); err != nil {
		y.s.fail(err)
	}
}

// stop ends the loop and waits for it. Called once, by Close.
func (y *intervalSyncer) stop() {
	close(y.exit)
	y.wg.Wait()
}
