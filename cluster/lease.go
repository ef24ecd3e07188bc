package cluster

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// Touch extends the lease of conn's attempt of id to d from now, and
// restarts the cluster's ack timer so that it does not redeliver meanwhile.
func (e *Engine) Touch(conn router.ConnID, id router.ID, attempt int, d time.Duration) error {
	now := time.Now()
	if d <= 0 {
		d = e.cfg.Lease
	}
	e.mu.Lock()
	fl, err := e.holding(conn, id, attempt)
	if err == nil && now.After(fl.lease) {
		err = fmt.Errorf("%w: its lease ended", router.ErrStaleAttempt)
	}
	if err != nil {
		e.mu.Unlock()
		return err
	}
	// A peer in several groups of the command may hold the message in
	// each, as the same attempt: the handlers of all of them run.
	var msgs []jetstream.Msg
	for _, o := range fl.s.p.flights[id] {
		if o.attempt == attempt && !now.After(o.lease) {
			o.lease, o.progress = now.Add(d), now
			msgs = append(msgs, o.msg)
		}
	}
	e.mu.Unlock()
	for _, msg := range msgs {
		if err := msg.InProgress(); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// leaseLoop hands back to the cluster the deliveries whose lease ran out,
// and keeps the cluster's ack timer running for leases extended past it.
func (e *Engine) leaseLoop() {
	defer e.wg.Done()
	tick := time.NewTicker(min(max(e.cfg.Lease/8, 10*time.Millisecond), time.Second))
	defer tick.Stop()
	var (
		expired        []*delivery
		naks, progress []jetstream.Msg
	)
	for {
		select {
		case <-tick.C:
		case <-e.exit:
			return
		}
		now := time.Now()
		expired, naks, progress = expired[:0], naks[:0], progress[:0]
		e.mu.Lock()
		for _, p := range e.peers {
			for _, ds := range p.flights {
				for _, d := range ds {
					switch {
					case now.After(d.lease):
						expired = append(expired, d)
					case d.lease.After(d.progress.Add(d.s.g.lease)) && now.Sub(d.progress) > d.s.g.lease/2:
						d.progress = now
						progress = append(progress, d.msg)
					}
				}
			}
		}
		e.handed.expire(now)
		for _, p := range e.peers {
			for id, until := range p.stale {
				if now.After(until) {
					delete(p.stale, id)
				}
			}
		}
		for _, d := range expired {
			d.s.p.expire(d, now, e.cfg.Lease)
			d.s.inflight--
			d.s.g.wakeUp()
			naks = append(naks, d.msg)
		}
		e.mu.Unlock()
		clear(expired)
		for _, m := range naks {
			_ = m.Nak()
		}
		for _, m := range progress {
			_ = m.InProgress()
		}
		e.expireLive(now)
	}
}
