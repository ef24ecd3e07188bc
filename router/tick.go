package router

import "time"

// Tick does the work that time brings: deliveries whose lease ended are
// requeued (or dead-lettered), retried messages whose delay ended are
// queued, messages past their deadline are dropped, mailbox results and
// dedup entries past their time are forgotten, and so are commands idle
// for Config.IdleTimeout (see idle.go). Then it dispatches.
// NextDeadline says when Tick next has work.
func (r *Router) Tick(now time.Time) []Action {
	r.begin()
	t := now.UnixNano()
	for r.leases.len() > 0 && r.leases.top().when <= t {
		it := r.leases.top()
		g := it.group
		r.take(it)
		r.requeue(t, it, 0)
		r.markDirty(g)
	}
	for r.delayed.len() > 0 && r.delayed.top().when <= t {
		it := r.delayed.top()
		r.take(it)
		r.requeue(t, it, 0)
	}
	r.expireDeadlines(t)
	r.expireMail(t)
	r.expireDedup(t)
	r.sweepIdle(t)
	return r.flush(now)
}
