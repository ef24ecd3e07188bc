package router

// dispatch hands g's waiting messages to its subscribers while any has
// free credit. An expired message met on the way is dropped instead, and
// one already delivered MaxDeliveries times is dead-lettered.
func (r *Router) dispatch(now int64, g *group) {
	for g.free > 0 {
		if h := g.head(); h != nil && h.ms.paged {
			r.fetch(g.cmd, h.ms)
			break
		}
		it := g.next()
		if it == nil {
			break
		}
		if it.ms.expiredAt(now) {
			r.expire(now, it.ms)
			continue
		}
		if int(it.attempt) >= r.cfg.MaxDeliveries {
			r.deadLetter(now, it) // restored after its last delivery
			continue
		}
		r.deliver(now, g.pick(), it)
	}
	g.dropStale()
	r.prefetch(g)
	r.load(g)
}

// deliver hands the loose item it to s, which has free credit.
func (r *Router) deliver(now int64, s *subscriber, it *item) {
	g := it.group
	it.attempt++
	it.state = stFlight
	it.holder = s
	it.when = now + int64(r.cfg.Lease)
	it.sent = now
	r.leases.push(it)
	it.slot = int32(len(s.inflight))
	s.inflight = append(s.inflight, it)
	g.free--
	g.flight++
	g.cmd.delivered++
	m := it.ms.msg
	r.emit(Action{Kind: ActAttempt, Msg: m, Group: g.name, Attempt: int(it.attempt)})
	r.emit(Action{Kind: ActDeliver, Msg: m, Conn: s.conn.id, SubID: s.id, Group: g.name, Attempt: int(it.attempt)})
	if o := r.cfg.Observer; o != nil {
		o.Delivered(m.Command, g.name, int(it.attempt), since(now, it.ms.admitted))
	}
}
