package cluster

import (
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// peer is one connected peer of the broker. Guarded by Engine.mu.
type peer struct {
	conn    router.ConnID
	addr    string
	subs    map[uint32]*sub
	flights map[router.ID]*delivery
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
	for id, d := range p.flights {
		delete(p.flights, id)
		d.s.inflight--
		naks = append(naks, d.msg)
	}
	return naks
}

// Connect records conn's peer and, if the cluster holds results for it
// from an earlier connection, starts handing them over.
func (e *Engine) Connect(conn router.ConnID, address string) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.peers[conn] = &peer{conn: conn, addr: address, subs: make(map[uint32]*sub), flights: make(map[router.ID]*delivery)}
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
