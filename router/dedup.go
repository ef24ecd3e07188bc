package router

import "time"

// dedupKey names a message in the dedup window: IDs are unique per
// producer, so one producer's ID never matches another's message.
type dedupKey struct {
	producer string
	id       ID
}

// dedupEntry remembers a producer's message ID within the dedup window
// and, for an answered request, the result its producer got.
type dedupEntry struct {
	key      dedupKey
	answered bool
	code     ResultCode
	from     string
	data     []byte
	expires  int64    // unix ns; set when the message is finished
	tail     bool     // the message is queued in the tail of cmd, not finished
	cmd      *command // tail only
	idx      int32    // index in the router's dedup heap; -1: none
	inFIFO   bool     // in the router's tail dedup FIFO instead
}

func dedupBefore(a, b *dedupEntry) bool  { return a.expires < b.expires }
func setDedupIndex(e *dedupEntry, i int) { e.idx = int32(i) }

// remember keeps e in the dedup window until expires. Past MaxDedup
// entries the one due to expire first is forgotten early, so that a high
// message rate cannot fill memory with IDs. The entry of a message going
// to a tail waits in the tail FIFO, the others (and a tail entry that
// expires before those in the FIFO) in the dedup heap.
func (r *Router) remember(e *dedupEntry, expires int64) {
	if old := r.dedup[e.key]; old != nil {
		r.forget(old)
	}
	r.add(e, expires)
}

// add is remember of an entry whose key the window does not hold: that of
// a message that was live until now (no entry has the key of a live
// message), which spares a look-up in a map of up to Config.MaxDedup
// entries per finished message.
func (r *Router) add(e *dedupEntry, expires int64) {
	if e.tail {
		r.tailDedup++
	}
	e.expires = expires
	r.dedup[e.key] = e
	if !e.tail || !r.tailExp.push(e) {
		r.dedupExp.push(e)
	}
	for len(r.dedup) > r.cfg.MaxDedup {
		r.forget(r.firstDedup())
	}
}

// firstDedup returns the dedup entry due to expire first, nil if none.
func (r *Router) firstDedup() *dedupEntry {
	f := r.tailExp.front()
	if r.dedupExp.len() == 0 {
		return f
	}
	if top := r.dedupExp.top(); f == nil || top.expires <= f.expires {
		return top
	}
	return f
}

// seen checks m's ID against the messages its producer published before:
// it returns ErrDuplicate when the producer's message with that ID is
// still live or finished within the dedup window (a request's result, if
// it has one, is re-sent to conn), ErrIDInUse when another producer's
// live message has the ID, and nil when the ID is free.
func (r *Router) seen(now time.Time, conn ConnID, m *Message) error {
	live := r.live[m.ID]
	var e *dedupEntry
	switch {
	case live != nil && live.msg.From == m.From:
		e = live.res
	default:
		e = r.dedup[dedupKey{m.From, m.ID}]
		if e != nil && e.expires <= now.UnixNano() {
			r.forget(e)
			e = nil
		}
		if e == nil {
			if live != nil {
				return ErrIDInUse
			}
			return nil
		}
	}
	if e != nil && e.answered && m.Request {
		r.emit(Action{Kind: ActResult, Conn: conn, Msg: m, Code: e.code, From: e.from, Data: e.data})
	}
	return ErrDuplicate
}

// forget drops e from the dedup window.
func (r *Router) forget(e *dedupEntry) {
	if e.tail && r.dedup[e.key] == e {
		r.tailDedup--
	}
	delete(r.dedup, e.key)
	switch {
	case e.inFIFO:
		r.tailExp.remove(e)
	case e.idx >= 0:
		r.dedupExp.remove(int(e.idx))
	}
}

// expireDedup drops the dedup entries whose window ended at now.
func (r *Router) expireDedup(now int64) {
	for e := r.firstDedup(); e != nil && e.expires <= now; e = r.firstDedup() {
		r.forget(e)
	}
}

// RestoreDedup rebuilds a dedup entry: producer published message id and,
// if answered, got the result (code, from, data). It is kept until
// expires, and matches only that producer's publishes. Call it before the
// first event.
func (r *Router) RestoreDedup(id ID, producer string, code ResultCode, from string, data []byte, answered bool, expires time.Time) {
	e := &dedupEntry{key: dedupKey{producer, id}, idx: -1}
	if answered {
		e.answered, e.code, e.from, e.data = true, code, from, data
	}
	r.remember(e, expires.UnixNano())
}
