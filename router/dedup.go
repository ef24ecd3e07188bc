package router

import "time"

// dedupEntry remembers a message ID within the dedup window and, for an
// answered request, the result its producer got.
type dedupEntry struct {
	id       ID
	answered bool
	code     ResultCode
	from     string
	data     []byte
	expires  int64 // unix ns; set when the message is finished
	idx      int32 // index in the router's dedup heap; -1: none
}

func dedupBefore(a, b *dedupEntry) bool  { return a.expires < b.expires }
func setDedupIndex(e *dedupEntry, i int) { e.idx = int32(i) }

// remember keeps e in the dedup window until expires. Past MaxDedup
// entries the one due to expire first is forgotten early, so that a high
// message rate cannot fill memory with IDs.
func (r *Router) remember(e *dedupEntry, expires int64) {
	if old := r.dedup[e.id]; old != nil && old.idx >= 0 {
		r.dedupExp.remove(int(old.idx))
	}
	e.expires = expires
	r.dedup[e.id] = e
	r.dedupExp.push(e)
	for r.dedupExp.len() > r.cfg.MaxDedup {
		r.forget(r.dedupExp.top())
	}
}

// seen reports whether m's ID was seen within the dedup window. If the
// message was a request already answered, the result is re-sent to conn.
func (r *Router) seen(now time.Time, conn ConnID, m *Message) bool {
	var e *dedupEntry
	if ms := r.live[m.ID]; ms != nil {
		e = ms.res
	} else if e = r.dedup[m.ID]; e == nil {
		return false
	} else if e.expires <= now.UnixNano() {
		r.forget(e)
		return false
	}
	if e != nil && e.answered && m.Request {
		r.emit(Action{Kind: ActResult, Conn: conn, Msg: m, Code: e.code, From: e.from, Data: e.data})
	}
	return true
}

// forget drops e from the dedup window.
func (r *Router) forget(e *dedupEntry) {
	delete(r.dedup, e.id)
	if e.idx >= 0 {
		r.dedupExp.remove(int(e.idx))
	}
}

// expireDedup drops the dedup entries whose window ended at now.
func (r *Router) expireDedup(now int64) {
	for r.dedupExp.len() > 0 && r.dedupExp.top().expires <= now {
		r.forget(r.dedupExp.top())
	}
}

// RestoreDedup rebuilds a dedup entry: message id was seen and, if
// answered, its producer got the result (code, from, data). It is kept
// until expires. Call it before the first event.
func (r *Router) RestoreDedup(id ID, code ResultCode, from string, data []byte, answered bool, expires time.Time) {
	e := &dedupEntry{id: id, idx: -1}
	if answered {
		e.answered, e.code, e.from, e.data = true, code, from, data
	}
	r.remember(e, expires.UnixNano())
}
