package teonet

import (
	"errors"
	"net"
	"testing"
	"time"
)

// Readers waiting for frame memory are served in arrival order, and one
// whose channel closes gives up without holding anything.
func TestFrameMemoryWaitsInOrder(t *testing.T) {
	m := &frameMemory{limit: 100}
	never := make(chan struct{})
	if err := m.acquire(80, never); err != nil {
		t.Fatal(err)
	}
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- m.acquire(50, never) }()
	waitWaiters(t, m, 1)
	go func() { second <- m.acquire(10, never) }() // would fit, but waits its turn
	waitWaiters(t, m, 2)
	select {
	case err := <-second:
		t.Fatalf("a later, smaller request overtook the first: %v", err)
	default:
	}
	m.release(80)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if got := m.inUse(); got != 60 {
		t.Fatalf("in use %d, want 60", got)
	}

	quit := make(chan struct{})
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- m.acquire(50, quit) }()
	waitWaiters(t, m, 1)
	close(quit)
	if err := <-gaveUp; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("acquire after quit: %v, want net.ErrClosed", err)
	}
	if got := m.inUse(); got != 60 {
		t.Fatalf("in use %d after a waiter gave up, want 60", got)
	}
}

// waitWaiters waits until n readers wait for m.
func waitWaiters(t *testing.T, m *frameMemory, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		got := m.waiters.Len()
		m.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}
