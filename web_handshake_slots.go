package teomq

import (
	"fmt"
	"sync"
)

// handshakeSlots bounds the WebSocket handshakes in progress, in total and
// per source IP address, so that a source that opens many and never
// finishes them cannot take the slots of others. A slot is taken before
// the upgrade and given back once the page has sent its auth (or failed):
// the rest of the handshake is the broker's own work. Safe for concurrent
// use.
type handshakeSlots struct {
	maxTotal, maxPerIP int

	mu    sync.Mutex     // guards total and perIP
	total int            // slots taken
	perIP map[string]int // slots taken per source; no zero entries
}

// newHandshakeSlots returns slots for maxTotal handshakes, maxPerIP of
// them from one source.
func newHandshakeSlots(maxTotal, maxPerIP int) *handshakeSlots {
	return &handshakeSlots{maxTotal: maxTotal, maxPerIP: maxPerIP, perIP: make(map[string]int)}
}

// acquire takes a slot for a handshake from ip, or returns an error
// matching errWebBusy when the source's or the total bound is reached.
// The release function gives the slot back; it is called from one
// goroutine and may be called more than once.
func (s *handshakeSlots) acquire(ip string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.perIP[ip] >= s.maxPerIP:
		return nil, fmt.Errorf("%w (%d from %s)", errWebBusy, s.maxPerIP, ip)
	case s.total >= s.maxTotal:
		return nil, fmt.Errorf("%w (%d in total)", errWebBusy, s.maxTotal)
	}
	s.perIP[ip]++
	s.total++
	released := false
	return func() {
		if !released {
			released = true
			s.release(ip)
		}
	}, nil
}

// release gives back a slot of ip.
func (s *handshakeSlots) release(ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
}
