package router

import "time"

// Cancel withdraws message id at the request of its producer, who stopped
// waiting for the answer; conn must be a connection of the address that
// published it. Every copy that waits in a group's queue, or for a retry,
// is dropped and acknowledged (ActAck), as an answered one would be, so
// that a restart agrees. A copy held by a consumer stays with it, its
// credit taken, until it answers (which finishes the copy) or gives it
// back (which drops it); that consumer is told (one ActCancel per holder)
// so that its handler can stop. The producer gets no result, nor does its
// mailbox: a late answer is dropped. A request published again with the
// same ID within the dedup window gets ResultCancelled. A message admitted
// and not yet committed is withdrawn as soon as Commit places it. Copies
// in a dead-letter queue are left to the operator.
//
// A request, or a message with a deadline, waiting in its command's tail
// (see Config.Window) is cancelled there: it leaves the tail and is
// deleted. A plain send in a tail, or whose copies still to deliver all
// wait in a group's back out of memory, cannot be cancelled
// (ErrUnknownID).
//
// Cancelling a message twice does nothing more. Error: ErrUnknownID when
// conn's address has no such live message (it finished, or never was).
func (r *Router) Cancel(now time.Time, conn ConnID, id ID) ([]Action, error) {
	r.begin()
	c := r.conns[conn]
	if c == nil {
		return r.acts, ErrUnknownID
	}
	ms := r.live[id]
	if ms == nil {
		if rec := r.tailRecs.get(dedupKey{c.addr, id}); rec != nil {
			r.cancelTail(now.UnixNano(), rec)
			return r.flush(now), nil
		}
	}
	if ms == nil || ms.msg.From != c.addr {
		return r.acts, ErrUnknownID
	}
	if ms.cancelled {
		return r.acts, nil
	}
	ms.cancelled = true
	if ms.committed {
		r.withdraw(now.UnixNano(), ms)
	}
	return r.flush(now), nil
}

// withdraw carries out the cancellation of the committed message ms.
func (r *Router) withdraw(now int64, ms *msgState) {
	// Like an expired message, it is never delivered again: dispatch and
	// requeue drop its copies when they meet them.
	ms.expired = true
	if ms.dlIdx >= 0 {
		r.deadlines.remove(int(ms.dlIdx))
	}
	if m := ms.msg; m.Request && ms.res == nil {
		// Kept as the result, never routed: a late answer finds the
		// message answered, and a duplicate publish learns it was
		// cancelled.
		ms.res = &dedupEntry{key: dedupKey{m.From, m.ID}, answered: true, code: ResultCancelled, idx: -1}
	}
	for i := range ms.items {
		it := &ms.items[i]
		switch it.state {
		case stQueued, stReady, stDelayed, stBack:
			r.take(it)
			r.finish(now, it)
		case stLoose:
			r.finish(now, it)
		case stFlight:
			s := it.holder
			r.emit(Action{Kind: ActCancel, Conn: s.conn.id, SubID: s.id, Msg: ms.msg, Group: it.group.name, Attempt: int(it.attempt)})
		}
	}
}
