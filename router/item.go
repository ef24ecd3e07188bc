package router

// itemState says where a group's copy of a message is.
type itemState uint8

const (
	stQueued  itemState = iota // in the group's fresh ring
	stReady                    // in the group's redelivery heap
	stDelayed                  // in the router's retry-delay heap
	stFlight                   // delivered to holder, awaiting its answer
	stLoose                    // in no container: being moved by the current event
	stDead                     // in the group's dead-letter queue
	stBack                     // in the group's back: to be read back from the store (see back)
	stDone                     // the group is done with it
)

// item is one group's copy of a message.
type item struct {
	ms      *msgState
	group   *group
	holder  *subscriber // stFlight only
	when    int64       // unix ns; stFlight: lease end; stDelayed: ready time
	sent    int64       // unix ns of the last delivery; 0: none
	attempt int32       // deliveries to the group so far
	idx     int32       // index in the heap holding it, or in group.dead; -1: none
	slot    int32       // stFlight: index in holder.inflight
	state   itemState
}

// take removes it from the container its state names and leaves it
// loose, keeping the counts. A queued item stays in the ring as a stale
// entry.
func (r *Router) take(it *item) {
	g := it.group
	switch it.state {
	case stQueued:
		g.stale++
		g.queued--
	case stReady:
		g.ready.remove(int(it.idx))
		g.queued--
	case stDelayed:
		r.delayed.remove(int(it.idx))
		g.queued--
	case stFlight:
		r.leases.remove(int(it.idx))
		s := it.holder
		before := s.free()
		last := s.inflight[len(s.inflight)-1]
		s.inflight[it.slot] = last
		last.slot = it.slot
		s.inflight[len(s.inflight)-1] = nil
		s.inflight = s.inflight[:len(s.inflight)-1]
		g.free += s.free() - before
		g.flight--
		it.holder, it.slot = nil, -1
	case stDead:
		last := g.dead[len(g.dead)-1]
		g.dead[it.idx] = last
		last.idx = it.idx
		g.dead[len(g.dead)-1] = nil
		g.dead = g.dead[:len(g.dead)-1]
		it.idx = -1
		it.ms.incActive()
	case stBack:
		g.back.live--
		g.back.gone.add(it.ms.msg.Seq) // a page read before its ack may bring it
		r.endBack(g)
	}
	it.state = stLoose
}

// toReady queues the loose item it as a redelivery.
func (r *Router) toReady(it *item) {
	g := it.group
	it.state = stReady
	g.ready.push(it)
	g.queued++
	r.markDirty(g)
}

// toFresh queues the loose item it as a fresh one, at the end of its
// group's fresh ring.
func (r *Router) toFresh(it *item) {
	g := it.group
	it.state = stQueued
	g.fresh.push(it)
	g.queued++
	r.markDirty(g)
}

// toDelayed parks the loose item it until the unix ns time when.
func (r *Router) toDelayed(it *item, when int64) {
	it.state = stDelayed
	it.when = when
	r.delayed.push(it)
	it.group.queued++
}
