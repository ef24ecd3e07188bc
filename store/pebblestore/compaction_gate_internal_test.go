package pebblestore

import (
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// fakeEngine is the engine's side of a compaction scheduler: it has
// waiting compactions and allows a number to run at once; each grant it
// accepts is sent on granted.
type fakeEngine struct {
	mu      sync.Mutex
	allowed int
	waiting int
	granted chan pebble.CompactionGrantHandle
}

func (e *fakeEngine) GetAllowedWithoutPermission() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.allowed
}

func (e *fakeEngine) GetWaitingCompaction() (bool, pebble.WaitingCompaction) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.waiting > 0, pebble.WaitingCompaction{}
}

func (e *fakeEngine) Schedule(h pebble.CompactionGrantHandle) bool {
	e.mu.Lock()
	if e.waiting == 0 {
		e.mu.Unlock()
		return false
	}
	e.waiting--
	e.mu.Unlock()
	e.granted <- h
	return true
}

// The gate grants no compaction before the store opens it; then it grants
// what waits, never more at once than the engine allows, one more as one
// ends; after Unregister it grants none.
func TestCompactionGate(t *testing.T) {
	e := &fakeEngine{allowed: 2, waiting: 5, granted: make(chan pebble.CompactionGrantHandle, 10)}
	g := newCompactionGate()
	g.Register(2, e)
	defer g.Unregister()

	if ok, _ := g.TrySchedule(); ok {
		t.Fatal("TrySchedule granted a compaction before the store opened")
	}
	g.UpdateGetAllowedWithoutPermission() // a nudge grants nothing either
	select {
	case <-e.granted:
		t.Fatal("a compaction was granted before the store opened")
	case <-time.After(3 * grantEvery): // the periodic grant ran at least twice
	}

	g.release()
	var running []pebble.CompactionGrantHandle
	for range 2 {
		select {
		case h := <-e.granted:
			running = append(running, h)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d compactions granted after open, want 2", len(running))
		}
	}
	if ok, _ := g.TrySchedule(); ok {
		t.Fatal("TrySchedule granted a third compaction while the engine allows 2")
	}
	running[0].Done()
	select {
	case h := <-e.granted:
		running = append(running, h)
	case <-time.After(10 * time.Second):
		t.Fatal("no compaction granted after one ended")
	}
	if ok, _ := g.TrySchedule(); ok {
		t.Fatal("TrySchedule granted a third compaction while the engine allows 2")
	}
	running[1].Done()
	if ok, h := g.TrySchedule(); !ok || h == nil {
		// The periodic grant may have taken the slot first.
		select {
		case <-e.granted:
		case <-time.After(10 * time.Second):
			t.Fatal("no compaction granted after another ended")
		}
	}

	g.Unregister()
	if ok, _ := g.TrySchedule(); ok {
		t.Fatal("TrySchedule granted a compaction after Unregister")
	}
	running[2].Done()
	select {
	case <-e.granted:
		t.Fatal("a compaction was granted after Unregister")
	case <-time.After(3 * grantEvery):
	}
}

// A gate whose engine failed to open (never registered) shuts down.
func TestCompactionGateShutdownUnregistered(t *testing.T) {
	g := newCompactionGate()
	g.shutdown()
	g.shutdown()
	if ok, _ := g.TrySchedule(); ok {
		t.Fatal("TrySchedule granted a compaction after shutdown")
	}
}
