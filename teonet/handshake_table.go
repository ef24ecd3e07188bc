package teonet

import (
	"container/list"
	"context"
	"net"
	"net/netip"
)

// handshake is one accepted connection being authenticated.
type handshake struct {
	conn    net.Conn
	cancel  context.CancelFunc // ends the handshake
	src     *handshakeSource
	elem    *list.Element // in src.pending
	dropped bool          // removed by add to make room for another
}

// handshakeSource is a source with handshakes in progress.
type handshakeSource struct {
	key     netip.Addr
	pending list.List     // of *handshake, oldest first
	elem    *list.Element // in handshakeTable.byCount[pending.Len()]
}

// handshakeTable holds a listener's handshakes in progress by source, to
// bound them per source and in total. When the total is reached, the
// newcomer is admitted and the oldest handshake of a source with the most
// in progress gives way: a flood from a few sources displaces its own
// connections, not others'. Every operation takes constant time. It is not
// safe for concurrent use: the Listener guards it with its mutex.
type handshakeTable struct {
	max, perSource int
	total          int
	sources        map[netip.Addr]*handshakeSource
	// byCount[n] lists the sources with n handshakes in progress, those
	// that reached n first at the front; top is the largest such n.
	byCount []list.List
	top     int
}

func newHandshakeTable(max, perSource int) *handshakeTable {
	perSource = min(perSource, max)
	return &handshakeTable{
		max:       max,
		perSource: perSource,
		sources:   make(map[netip.Addr]*handshakeSource),
		byCount:   make([]list.List, perSource+1),
	}
}

// add records a handshake of conn from source key, ended by cancel. It
// returns nil if the source has perSource handshakes in progress already.
// If the table was full it also returns the handshake dropped to make
// room, marked dropped and removed; the caller ends it.
func (t *handshakeTable) add(key netip.Addr, conn net.Conn, cancel context.CancelFunc) (h, dropped *handshake) {
	src := t.sources[key]
	if src != nil && src.pending.Len() >= t.perSource {
		return nil, nil
	}
	if t.total >= t.max {
		dropped = t.byCount[t.top].Front().Value.(*handshakeSource).pending.Front().Value.(*handshake)
		t.remove(dropped)
		dropped.dropped = true
		src = t.sources[key] // dropping may have removed the newcomer's source
	}
	if src == nil {
		src = &handshakeSource{key: key}
		t.sources[key] = src
	}
	h = &handshake{conn: conn, cancel: cancel, src: src}
	h.elem = src.pending.PushBack(h)
	t.recount(src, src.pending.Len()-1)
	t.total++
	return h, dropped
}

// remove forgets h, unless add dropped it already.
func (t *handshakeTable) remove(h *handshake) {
	if h.dropped {
		return
	}
	src := h.src
	src.pending.Remove(h.elem)
	t.recount(src, src.pending.Len()+1)
	t.total--
	if src.pending.Len() == 0 {
		delete(t.sources, src.key)
	}
}

// recount moves src from the list of sources with was handshakes to the
// one of its count now, and keeps top up to date.
func (t *handshakeTable) recount(src *handshakeSource, was int) {
	if src.elem != nil {
		t.byCount[was].Remove(src.elem)
		src.elem = nil
	}
	if n := src.pending.Len(); n > 0 {
		src.elem = t.byCount[n].PushBack(src)
		t.top = max(t.top, n)
	}
	for t.top > 0 && t.byCount[t.top].Len() == 0 {
		t.top--
	}
}

// len returns how many handshakes are in progress.
func (t *handshakeTable) len() int { return t.total }

// sourceKey is the source a connection from addr counts against: its IPv4
// address, or the /64 of its IPv6 address (one host's share of addresses).
func sourceKey(addr net.Addr) netip.Addr {
	var ap netip.AddrPort
	switch a := addr.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	default:
		ap, _ = netip.ParseAddrPort(addr.String())
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}
