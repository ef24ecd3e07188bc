package pebblestore

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Pauses between the checks of an outage: the first comes soon, later
// ones ever further apart. An outage that starts less than maxProbeDelay
// after the last one ended continues its backoff, which bounds how often
// a store whose resource comes and goes can change its Health.
const (
	minProbeDelay = 10 * time.Millisecond
	maxProbeDelay = time.Second
)

// probeFile is the file a check writes in the store's directory; the
// engine ignores files of other names.
const probeFile = "teomq-probe.tmp"

// probeData is what a check writes: a block, enough to meet a full disk.
var probeData = make([]byte, 4096)

// prober ends the store's outages: while one lasts it checks, with
// growing pauses, that the store can create, write and sync a file again
// and that the engine's last flush did not fail for a shortage, and then
// makes the store available. It passes each change of Health to
// PebbleOptions.OnHealth. The store starts it in OpenPebble and stops it
// in Close, before closing the engine.
type prober struct {
	s          *PebbleStore
	onHealth   func(error)
	wake       chan struct{} // cap 1: the store's state changed
	exit       chan struct{}
	wg         sync.WaitGroup
	flushShort atomic.Bool // the engine's last flush failed for a shortage
}

func newProber(s *PebbleStore, onHealth func(error)) *prober {
	return &prober{s: s, onHealth: onHealth, wake: make(chan struct{}, 1), exit: make(chan struct{})}
}

func (p *prober) start() {
	p.wg.Add(1)
	go p.loop()
}

// stop ends the loop and waits for it. Called once, by Close.
func (p *prober) stop() {
	close(p.exit)
	p.wg.Wait()
}

// wakeUp tells the loop that the store's state changed. It never blocks.
func (p *prober) wakeUp() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *prober) loop() {
	defer p.wg.Done()
	var (
		reported *failure // the state last passed to onHealth
		episode  *failure // the outage being probed
		ended    time.Time
		delay    = minProbeDelay
	)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		reported = p.report(reported)
		o := p.s.outage.Load()
		probing := o != nil && p.s.failed.Load() == nil
		if probing && o != episode {
			episode = o
			if time.Since(ended) >= maxProbeDelay {
				delay = minProbeDelay
			} else {
				delay = min(2*delay, maxProbeDelay)
			}
		}
		if probing {
			timer.Reset(delay)
		}
		select {
		case <-p.exit:
			return
		case <-p.wake:
			timer.Stop()
			continue
		case <-timer.C:
		}
		if p.probe() != nil || p.flushShort.Load() || !p.s.recover(o) {
			delay = min(2*delay, maxProbeDelay)
			continue
		}
		ended = time.Now()
	}
}

// report passes the store's state to onHealth if it is not last, the
// state passed before, and returns it.
func (p *prober) report(last *failure) *failure {
	now := p.s.failed.Load()
	if now == nil {
		now = p.s.outage.Load()
	}
	if now == last || p.onHealth == nil {
		return now
	}
	if now == nil {
		p.onHealth(nil)
	} else {
		p.onHealth(now.err)
	}
	return now
}

// probe creates, writes, syncs and removes a file in the store's
// directory, and returns the first error met.
func (p *prober) probe() error {
	fs := p.s.opts.FS
	path := fs.PathJoin(p.s.dir, probeFile)
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = f.Write(probeData)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close(), fs.Remove(path))
}
