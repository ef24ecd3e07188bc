package teonet

import (
	"container/list"
	"net"
	"sync"
)

// frameMemory bounds the bytes a node's channels hold in the buffers of
// frames larger than their read buffers (Config.MaxFrameMemory). A reader
// that would take it past its limit waits, first come first served, until
// others release enough or its channel closes. It is safe for concurrent
// use.
type frameMemory struct {
	limit int

	mu      sync.Mutex // guards used and waiters
	used    int
	waiters list.List // of *memoryWaiter, oldest first
}

// memoryWaiter is a reader waiting for n bytes; ready is closed once they
// are granted.
type memoryWaiter struct {
	n     int
	ready chan struct{}
}

// acquire takes n bytes, n <= limit, waiting while they are not free or
// others wait before it. It returns net.ErrClosed, holding nothing, if quit
// is closed first.
func (m *frameMemory) acquire(n int, quit <-chan struct{}) error {
	m.mu.Lock()
	if m.waiters.Len() == 0 && m.used+n <= m.limit {
		m.used += n
		m.mu.Unlock()
		return nil
	}
	w := &memoryWaiter{n: n, ready: make(chan struct{})}
	e := m.waiters.PushBack(w)
	m.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-quit:
	}
	m.mu.Lock()
	select {
	case <-w.ready: // granted meanwhile: give it back
		m.used -= n
	default:
		m.waiters.Remove(e)
	}
	m.grantLocked() // the waiters behind this one may fit now
	m.mu.Unlock()
	return net.ErrClosed
}

// release gives back n bytes and wakes the waiters they make room for.
func (m *frameMemory) release(n int) {
	if n == 0 {
		return
	}
	m.mu.Lock()
	m.used -= n
	m.grantLocked()
	m.mu.Unlock()
}

// grantLocked grants waiters in order while the first one fits, with m.mu
// held.
func (m *frameMemory) grantLocked() {
	for e := m.waiters.Front(); e != nil; e = m.waiters.Front() {
		w := e.Value.(*memoryWaiter)
		if m.used+w.n > m.limit {
			return
		}
		m.used += w.n
		m.waiters.Remove(e)
		close(w.ready)
	}
}

// inUse returns the bytes held.
func (m *frameMemory) inUse() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used
}

// FrameMemory returns the bytes the node's channels hold in buffers of
// frames larger than their read buffers, which Config.MaxFrameMemory
// bounds. It is safe for concurrent use.
func (n *Node) FrameMemory() int { return n.frameMem.inUse() }
