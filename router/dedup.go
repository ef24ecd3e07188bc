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
	expires  int64    // unix ns; when the window forgets it
	tail     bool     // the message is queued in the tail of cmd, not finished
	cmd      *command // tail only
	idx      int32    // index in the router's dedup heap; -1: none
	// mark is set on a command's tail mark (command.tailMark): the one
	// entry that the plain IDs of the command's tail messages share. It
	// has no key, expiry or place in the heap of its own.
	mark bool
}

// dedupRef is what the dedup window holds for a key: its entry, or for a
// plain ID none (a finished message without a result) or its command's
// tail mark (a message in a command's tail), and the time it expires. A
// plain ID waits in the plain FIFO; it costs no allocation and nothing for
// the collector to visit but the map's and the FIFO's slots: a long drain,
// or a fast fill of a tail, leaves up to Config.MaxDedup of them.
type dedupRef struct {
	e       *dedupEntry // nil or a tail mark: a plain ID
	expires int64       // unix ns; e.expires when e is set and not a mark
}

// plain reports whether ref is a plain ID.
func (ref dedupRef) plain() bool { return ref.e == nil || ref.e.mark }

func dedupBefore(a, b *dedupEntry) bool  { return a.expires < b.expires }
func setDedupIndex(e *dedupEntry, i int) { e.idx = int32(i) }

// remember keeps e in the dedup window until expires, in the dedup heap.
// Past MaxDedup entries the one due to expire first is forgotten early,
// so that a high message rate cannot fill memory with IDs.
func (r *Router) remember(e *dedupEntry, expires int64) {
	if ref, ok := r.dedup[e.key]; ok {
		r.forgetRef(e.key, ref)
	}
	r.add(e, expires)
}

// add is remember of an entry whose key the window does not hold (that of
// a message that was live until now: no entry has the key of a live
// message; or one just forgotten), which spares a look-up in a map of up
// to Config.MaxDedup entries per finished message. e is not a tail mark.
func (r *Router) add(e *dedupEntry, expires int64) {
	if e.tail {
		r.tailDedup++
	}
	e.expires = expires
	r.dedup[e.key] = dedupRef{e: e, expires: expires}
	r.dedupExp.push(e)
	r.bound()
}

// bound forgets the IDs due to expire first while the window holds more
// than MaxDedup.
func (r *Router) bound() {
	for len(r.dedup) > r.cfg.MaxDedup {
		key, ref, _ := r.firstDedup()
		r.forgetRef(key, ref)
	}
}

// firstDedup returns the ID of the dedup window due to expire first, with
// what the window holds for it; ok unset when the window is empty. Ties go
// to the heap.
func (r *Router) firstDedup() (key dedupKey, ref dedupRef, ok bool) {
	if r.dedupExp.len() > 0 {
		e := r.dedupExp.top()
		key, ref, ok = e.key, dedupRef{e, e.expires}, true
	}
	if s, sref, found := r.plainFront(); found && (!ok || s.expires < ref.expires) {
		key, ref, ok = s.key, sref, true
	}
	return key, ref, ok
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
		key := dedupKey{m.From, m.ID}
		ref, ok := r.dedup[key]
		if ok && ref.expires <= now.UnixNano() {
			r.forgetRef(key, ref)
			ok = false
		}
		rec := r.tailRecs.get(key)
		if !ok && rec == nil {
			if live != nil {
				return ErrIDInUse
			}
			return nil
		}
		e = ref.e
		if rec != nil { // a request or a deadline's record outlives the window
			e = rec.result()
		}
	}
	if e != nil && e.answered && m.Request {
		r.emit(Action{Kind: ActResult, Conn: conn, Msg: m, Code: e.code, From: e.from, Data: e.data})
	}
	return ErrDuplicate
}

// forgetRef drops key, which the window holds as ref, from it.
func (r *Router) forgetRef(key dedupKey, ref dedupRef) {
	switch {
	case ref.e == nil:
		r.forgetPlain(key)
	case ref.e.mark:
		r.tailDedup--
		r.forgetPlain(key)
	default:
		r.forget(ref.e)
	}
}

// forget drops e, an entry of its own (not a tail mark), from the dedup
// window.
func (r *Router) forget(e *dedupEntry) {
	if e.tail && r.dedup[e.key].e == e {
		r.tailDedup--
	}
	delete(r.dedup, e.key)
	if e.idx >= 0 {
		r.dedupExp.remove(int(e.idx))
	}
}

// expireDedup drops the dedup entries whose window ended at now.
func (r *Router) expireDedup(now int64) {
	for key, ref, ok := r.firstDedup(); ok && ref.expires <= now; key, ref, ok = r.firstDedup() {
		r.forgetRef(key, ref)
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
