package pebblestore

import (
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// grantEvery is how often the gate offers the engine a compaction it was
// refused, besides when one ends or the engine says it may run more.
const grantEvery = 100 * time.Millisecond

// compactionGate is the engine's compaction scheduler: as many
// compactions at once as the engine allows (its own default policy),
// but none until the store opened it. The engine's Open waits, before it
// returns, for every compaction that started during it, and an engine
// whose last run wrote much starts one at once: after a drain that wrote
// two million acks and attempts, that wait was 0.3-0.7 s of a restart.
// Compactions it refuses wait in the engine, which the gate offers a
// grant when it opens.
type compactionGate struct {
	mu      sync.Mutex
	db      pebble.DBForCompaction // set by Register
	open    bool                   // compactions may run
	closed  bool                   // unregistered
	running int                    // compactions granted and not done

	poke     chan struct{} // a grant may be due (buffered)
	stop     chan struct{} // closed by shutdown
	stopped  chan struct{} // closed when the granting goroutine returns
	stopOnce sync.Once
}

var (
	_ pebble.CompactionScheduler   = (*compactionGate)(nil)
	_ pebble.CompactionGrantHandle = (*compactionGate)(nil)
)

func newCompactionGate() *compactionGate {
	return &compactionGate{poke: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
}

// Register starts the goroutine that grants the engine the compactions
// it was refused; the gate owns it, and Unregister (or shutdown, when
// the engine failed to open) stops it.
func (g *compactionGate) Register(_ int, db pebble.DBForCompaction) {
	g.db = db
	go g.grantLoop()
}

// Unregister stops the grants and waits for the one under way.
func (g *compactionGate) Unregister() { g.shutdown() }

// shutdown stops the granting goroutine, if it runs, and refuses every
// compaction from then on. Safe to call twice, and before Register.
func (g *compactionGate) shutdown() {
	g.stopOnce.Do(func() {
		close(g.stop)
		g.mu.Lock()
		registered := g.db != nil
		g.closed = true
		g.mu.Unlock()
		if registered {
			<-g.stopped
		}
	})
}

// release lets compactions run: the store is open.
func (g *compactionGate) release() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	g.nudge()
}

// TrySchedule grants a compaction when the gate is open and fewer run
// than the engine allows.
func (g *compactionGate) TrySchedule() (bool, pebble.CompactionGrantHandle) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open || g.closed || g.db.GetAllowedWithoutPermission() <= g.running {
		return false, nil
	}
	g.running++
	return true, g
}

// UpdateGetAllowedWithoutPermission is the engine's word that it may
// run more compactions now.
func (g *compactionGate) UpdateGetAllowedWithoutPermission() { g.nudge() }

// Started, MeasureCPU and CumulativeStats are the grant handle's reports,
// which the gate does not use.
func (g *compactionGate) Started()                                          {}
func (g *compactionGate) MeasureCPU(pebble.CompactionGoroutineKind)         {}
func (g *compactionGate) CumulativeStats(pebble.CompactionGrantHandleStats) {}

// Done is the end of a granted compaction.
func (g *compactionGate) Done() {
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
	g.nudge()
}

func (g *compactionGate) nudge() {
	select {
	case g.poke <- struct{}{}:
	default:
	}
}

// grantLoop offers the engine the compactions it may run, when nudged
// and every grantEvery, until shutdown.
func (g *compactionGate) grantLoop() {
	defer close(g.stopped)
	tick := time.NewTicker(grantEvery)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		case <-g.poke:
		}
		g.grant()
	}
}

// grant hands the engine the compactions it waits to run, up to what it
// allows. The engine is called without the gate's lock held.
func (g *compactionGate) grant() {
	for {
		g.mu.Lock()
		due := g.open && !g.closed && g.db.GetAllowedWithoutPermission() > g.running
		if due {
			g.running++
		}
		g.mu.Unlock()
		if !due {
			return
		}
		if waiting, _ := g.db.GetWaitingCompaction(); !waiting || !g.db.Schedule(g) {
			g.mu.Lock()
			g.running-- // not granted after all; no nudge: nothing waits
			g.mu.Unlock()
			return
		}
	}
}
