package teonet

import (
	"net"
	"net/netip"
	"testing"
)

// TestHandshakeTable: per-source refusals, and when the table is full,
// the oldest handshake of the busiest source gives way, never one of a
// source with fewer in progress.
func TestHandshakeTable(t *testing.T) {
	a, b, c := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	tab := newHandshakeTable(4, 3)
	add := func(key netip.Addr) (*handshake, *handshake) {
		t.Helper()
		h, dropped := tab.add(key, nil, func() {})
		if h == nil {
			t.Fatalf("add(%v) refused", key)
		}
		return h, dropped
	}
	a1, _ := add(a)
	add(a)
	b1, _ := add(b)
	add(a)
	if h, _ := tab.add(a, nil, func() {}); h != nil {
		t.Fatal("a fourth handshake of a source was admitted, limit 3")
	}
	// Full: c's newcomer displaces a's oldest, a having the most.
	if _, dropped := add(c); dropped != a1 || !dropped.dropped {
		t.Fatalf("dropped %p, want a's oldest %p", dropped, a1)
	}
	// Sources now hold a:2 b:1 c:1; full again: a gives way again.
	if _, dropped := add(b); dropped == nil || dropped.src.key != a {
		t.Fatalf("dropped %+v, want one of a's", dropped)
	}
	// a:1 b:2 c:1: b is the busiest, and its oldest goes.
	if _, dropped := add(c); dropped != b1 {
		t.Fatalf("dropped %p, want b's oldest %p", dropped, b1)
	}
	if tab.len() != 4 {
		t.Fatalf("len %d, want 4", tab.len())
	}
	tab.remove(a1) // dropped already: no effect
	if tab.len() != 4 {
		t.Fatalf("removing a dropped handshake changed len to %d", tab.len())
	}
}

// Removing handshakes frees their source's share and the table's.
func TestHandshakeTableRemove(t *testing.T) {
	a := sourceKey(tcpAddr("[2001:db8::1]:1"))
	tab := newHandshakeTable(2, 2)
	h1, _ := tab.add(a, nil, func() {})
	h2, _ := tab.add(sourceKey(tcpAddr("[2001:db8::2]:1")), nil, func() {}) // same /64
	if h, _ := tab.add(a, nil, func() {}); h != nil {
		t.Fatal("a third handshake from one /64 was admitted, limit 2")
	}
	tab.remove(h1)
	tab.remove(h2)
	if tab.len() != 0 || len(tab.sources) != 0 || tab.top != 0 {
		t.Fatalf("after removing all: len %d, %d sources, top %d", tab.len(), len(tab.sources), tab.top)
	}
	if h, _ := tab.add(a, nil, func() {}); h == nil {
		t.Fatal("refused after the source's handshakes ended")
	}
}

func tcpAddr(s string) *net.TCPAddr {
	return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s))
}
