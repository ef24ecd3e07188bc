package router

// expire handles a message whose deadline passed: a request's producer
// gets ResultTimeout (unless it has its result), and every group's copy
// that is not in flight is dropped. Copies in flight stay with their
// consumers; if one comes back unanswered it is dropped then.
func (r *Router) expire(now int64, ms *msgState) {
	ms.expired = true
	if ms.dlIdx >= 0 {
		r.deadlines.remove(int(ms.dlIdx))
	}
	r.result(now, ms, ResultTimeout, "", nil)
	for i := range ms.items {
		it := &ms.items[i]
		switch it.state {
		case stQueued, stReady, stDelayed, stBack:
			r.take(it)
			r.finishExpired(now, it)
		case stLoose:
			r.finishExpired(now, it)
		}
	}
}

// expireDeadlines expires the messages whose deadline is at or before now,
// in memory and in tails.
func (r *Router) expireDeadlines(now int64) {
	r.expireTail(now)
	for r.deadlines.len() > 0 && r.deadlines.top().deadline() <= now {
		ms := r.deadlines.top()
		r.expire(now, ms)
		for i := range ms.items {
			r.markDirty(ms.items[i].group) // lets dispatch drop stale entries
		}
	}
}

// finishExpired finishes the loose item it of an expired message.
func (r *Router) finishExpired(now int64, it *item) {
	if o := r.cfg.Observer; o != nil {
		o.Expired(it.ms.cmd.name, it.group.name)
	}
	r.finish(now, it)
}
