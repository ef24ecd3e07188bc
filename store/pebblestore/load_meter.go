package pebblestore

import (
	"runtime"
	"sync"
	"time"
)

// Thresholds of loadMeter: the process is busy once it used at least
// busyAbove of the processors it may use over a window, and stays busy
// until it used less than idleBelow. Measured on 2 vCPUs: 64 requesters
// in sync durability kept the process at ~0.75 and gained 35% from the
// sync delay; 16 requesters ~0.4 and lost 5-15%; 64 producers sharing 8
// connections ~0.25 and lost 10-40%.
const (
	busyAbove  = 0.6
	idleBelow  = 0.45
	loadWindow = 50 * time.Millisecond
)

// loadMeter tells whether the process keeps its processors busy, from its
// CPU time (user and system) over windows of loadWindow. It is safe for
// concurrent use.
type loadMeter struct {
	// cpuTime returns the process's CPU time so far; false if unknown.
	cpuTime func() (time.Duration, bool)

	mu   sync.Mutex
	at   time.Time     // start of the current window; zero before the first
	cpu  time.Duration // CPU time at the start of the window
	busy bool
}

// busyAt reports whether the process is busy at now, taking a new sample
// when the current window has passed. A process whose CPU time is unknown
// counts as busy.
func (m *loadMeter) busyAt(now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.at.IsZero() && now.Sub(m.at) < loadWindow {
		return m.busy
	}
	cpu, ok := m.cpuTime()
	if !ok {
		m.busy = true
		return true
	}
	if !m.at.IsZero() {
		used := float64(cpu-m.cpu) / (float64(now.Sub(m.at)) * float64(runtime.GOMAXPROCS(0)))
		switch {
		case used >= busyAbove:
			m.busy = true
		case used < idleBelow:
			m.busy = false
		}
	}
	m.at, m.cpu = now, cpu
	return m.busy
}
