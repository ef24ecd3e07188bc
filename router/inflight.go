package router

import "time"

// requeue puts the loose item it, taken from a consumer, back in its
// group's queue to be delivered again not before now+delay. A message past
// its deadline is dropped instead, and one delivered MaxDeliveries times
// goes to the dead-letter queue.
func (r *Router) requeue(now int64, it *item, delay time.Duration) {
	switch {
	case it.ms.expiredAt(now):
		r.expire(now, it.ms)
	case int(it.attempt) >= r.cfg.MaxDeliveries:
		r.deadLetter(now, it)
	case delay > 0:
		r.toDelayed(it, now+int64(delay))
	default:
		r.toReady(it)
	}
}

// retryDelay is the delay before delivery attempt+1 after a Retry answer
// to attempt: RetryDelay doubled per earlier attempt, capped.
func (r *Router) retryDelay(attempt int32) time.Duration {
	d := r.cfg.RetryDelay
	for i := int32(1); i < attempt && d < r.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxRetryDelay)
}

// inFlight finds the item of message id that conn holds as attempt. It
// returns ErrStaleAttempt when conn answers for an attempt that is no
// longer current in a group it belongs to, and ErrUnknownID otherwise.
func (r *Router) inFlight(conn ConnID, id ID, attempt int) (*item, error) {
	c := r.conns[conn]
	ms := r.live[id]
	if c == nil || ms == nil {
		return nil, ErrUnknownID
	}
	stale := false
	for i := range ms.items {
		it := &ms.items[i]
		held := it.state == stFlight && it.holder.conn == c
		if held && int(it.attempt) == attempt {
			return it, nil
		}
		if held || (attempt >= 1 && attempt <= int(it.attempt) && c.inGroup(it.group)) {
			stale = true
		}
	}
	if stale {
		return nil, ErrStaleAttempt
	}
	return nil, ErrUnknownID
}

// maxLease bounds a lease extension so that its end cannot overflow.
const maxLease = 100 * 365 * 24 * time.Hour

// Touch extends the lease of conn's delivery (id, attempt) to now+d; d <= 0
// means Config.Lease. It returns ErrUnknownID or ErrStaleAttempt as Answer
// does.
func (r *Router) Touch(now time.Time, conn ConnID, id ID, attempt int, d time.Duration) error {
	r.settle()
	it, err := r.inFlight(conn, id, attempt)
	if err != nil {
		return err
	}
	if d <= 0 {
		d = r.cfg.Lease
	}
	it.when = now.UnixNano() + int64(min(d, maxLease))
	r.leases.fix(int(it.idx))
	return nil
}
