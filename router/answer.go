package router

import "time"

// Answer records conn's answer to its delivery (id, attempt) of a message.
// Reply and Fail finish the message for the delivery's group. Only the
// request's answer group (Message.AnswerGroup) answers its producer (Reply:
// ResultOK with data; Fail: ResultRemoteError with the error text in data):
// an answer from any other group acknowledges that group's copy and
// nothing else; it reaches neither the producer, its mailbox, nor the
// result kept for dedup.
// Retry requeues the message not before now + RetryDelay*2^(attempt-1),
// capped at MaxRetryDelay; its data, the reason, is kept as the copy's
// last error until the copy is answered (DeadLetter.LastError). The
// Router keeps data.
//
// A connection subscribed to two groups of a command may hold one message
// in both with the same attempt; the answer then goes to the group created
// first.
//
// Errors: ErrUnknownID when conn holds no such delivery; ErrStaleAttempt
// when the attempt is no longer current (fencing); ErrBadKind.
func (r *Router) Answer(now time.Time, conn ConnID, id ID, attempt int, kind AnswerKind, data []byte) ([]Action, error) {
	r.begin()
	if kind > Retry {
		return r.acts, ErrBadKind
	}
	it, err := r.inFlight(conn, id, attempt)
	if err != nil {
		return r.acts, err
	}
	t := now.UnixNano()
	g, from := it.group, it.holder.conn.addr
	if o := r.cfg.Observer; o != nil {
		o.Answered(g.cmd.name, g.name, kind, since(t, it.sent))
	}
	r.take(it)
	switch kind {
	case Reply:
		g.cmd.answered++
		if it.answers() {
			r.result(t, it.ms, ResultOK, from, data)
		}
		r.finish(t, it)
	case Fail:
		g.cmd.answered++
		if it.answers() {
			r.result(t, it.ms, ResultRemoteError, from, data)
		}
		r.finish(t, it)
	case Retry:
		if len(data) > 0 {
			r.lastErr[it] = string(data)
		}
		r.requeue(t, it, r.retryDelay(it.attempt))
	}
	r.markDirty(g)
	return r.flush(now), nil
}

// finish marks the loose item it done: its group needs the message no
// more. When no group needs it, the message is deleted (Last) and its ID
// moves to the dedup window.
func (r *Router) finish(now int64, it *item) {
	ms := it.ms
	it.state = stDone
	if len(r.lastErr) > 0 {
		delete(r.lastErr, it)
	}
	ms.decActive()
	ms.left--
	a := Action{
		Kind:    ActAck,
		Msg:     ms.msg,
		Group:   it.group.name,
		Last:    ms.left == 0,
		Expires: time.Unix(0, now+int64(r.cfg.DedupWindow)),
		Size:    int(ms.size),
	}
	if e := ms.res; e != nil {
		a.Answered, a.Code, a.From, a.Data = true, e.code, e.from, e.data
	}
	r.emit(a)
	if a.Last {
		r.retire(now, ms)
	} else {
		r.pageOutQueued(ms)
		r.leaveToBack(now, ms)
	}
}

// retire forgets a finished message, keeping its ID (and result) in the
// dedup window.
func (r *Router) retire(now int64, ms *msgState) {
	r.freeID(ms.msg.ID)
	if t := &ms.cmd.tail; t.n > 0 && ms.msg.Seq >= t.from {
		t.skip(ms.msg.Seq) // it went ahead of the tail: a page read before its deletion may bring it
	}
	if !ms.paged {
		ms.cmd.residentBytes -= ms.bytes()
	}
	if ms.dlIdx >= 0 {
		r.deadlines.remove(int(ms.dlIdx))
	}
	if e := ms.res; e != nil {
		r.add(e, now+int64(r.cfg.DedupWindow))
	} else {
		r.addPlain(dedupKey{ms.msg.From, ms.msg.ID}, nil, now+int64(r.cfg.DedupWindow))
	}
}
