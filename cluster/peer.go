package cluster

import (
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// peer is one connected peer of the broker. Guarded by Engine.mu.
type peer struct {
	conn router.ConnID
	addr string
	subs map[uint32]*sub
	// flights holds the deliveries not answered, by message ID: one per
	// group the peer has a copy of the message in.
	flights map[router.ID][]*delivery
	// stale holds, until when to remember it, the messages whose lease
	// ran out here: a late answer is refused as stale, not unknown.
	stale map[router.ID]time.Time
}

// sub is one subscription of a peer. Guarded by Engine.mu.
type sub struct {
	p        *peer
	id       uint32
	g        *group
	credit   int
	inflight int
}

// free is how many more messages s takes now.
func (s *sub) free() int { return max(0, s.credit-s.inflight) }

// delivery is a message handed to a subscription and not answered yet.
// Guarded by Engine.mu.
type delivery struct {
	s       *sub
	msg     jetstream.Msg
	m       *router.Message
	attempt int
	lease   time.Time // the answer is refused after it
	// progress is when the cluster's ack timer was last started for it:
	// at the delivery, or at the last InProgress.
	progress time.Time
}

// takeFlights removes p's deliveries, appending their messages to naks.
func (p *peer) takeFlights(naks []jetstream.Msg) []jetstream.Msg {
	for id, ds := range p.flights {
		delete(p.flights, id)
		for _, d := range ds {
			d.s.inflight--
			naks = append(naks, d.msg)
		}
	}
	return naks
}

// expire removes delivery d, whose lease ran out at now, and remembers it
// as stale for a lease more; the caller settles its subscription's count.
func (p *peer) expire(d *delivery, now time.Time, remember time.Duration) {
	p.remove(d)
	p.stale[d.m.ID] = now.Add(remember)
}

// add records delivery d.
func (p *peer) add(d *delivery) {
	p.flights[d.m.ID] = append(p.flights[d.m.ID], d)
}

// find returns p's delivery of id as attempt: of the group subscribed
// first when the peer holds id in several groups with that attempt, as
// the router does. It reports whether p holds id at all.
func (p *peer) find(id router.ID, attempt int) (d *delivery, held bool) {
	ds := p.flights[id]
	for _, d := range ds {
		if d.attempt == attempt {
			return d, true
		}
	}
	return nil, len(ds) > 0
}

// remove removes delivery d and reports whether p had it; the caller
// settles its subscription's count.
func (p *peer) remove(d *delivery) bool {
	ds := p.flights[d.m.ID]
	i := slices.Index(ds, d)
	if i < 0 {
		return false
	}
	if ds = slices.Delete(ds, i, i+1); len(ds) == 0 {
		delete(p.flights, d.m.ID)
	} else {
		p.flights[d.m.ID] = ds
	}
	return true
}

// Connect records conn's peer and, if the cluster holds results for it
// from an earlier connection, starts handing them over.
func (e *Engine) Connect(conn router.ConnID, address string) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.peers[conn] = &peer{conn: conn, addr: address, subs: make(map[uint32]*sub), flights: make(map[router.ID][]*delivery), stale: make(map[router.ID]time.Time)}
	e.byAddr[address] = append(e.byAddr[address], conn)
	e.listen(address)
	e.mu.Unlock()
	e.wg.Add(1)
	go e.checkMailbox(address) // owned by the Engine; ends by itself
}

// Disconnect forgets conn: its deliveries go back to the cluster at once
// (another consumer, on any broker, gets them), its subscriptions end.
func (e *Engine) Disconnect(conn router.ConnID) {
	e.mu.Lock()
	p := e.peers[conn]
	if p == nil {
		e.mu.Unlock()
		return
	}
	delete(e.peers, conn)
	if conns := slices.DeleteFunc(e.byAddr[p.addr], func(c router.ConnID) bool { return c == conn }); len(conns) > 0 {
		e.byAddr[p.addr] = conns
	} else {
		delete(e.byAddr, p.addr)
	}
	naks := p.takeFlights(nil)
	for _, s := range p.subs {
		e.dropSub(s)
	}
	e.releaseMailbox(p.addr)
	e.unlisten(p.addr)
	e.mu.Unlock()
	for _, m := range naks {
		_ = m.Nak()
	}
}
