package teomq

import (
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// brokerMetrics counts what a broker does, for /metrics and the
// dashboard. Its series are guarded by Broker.mu: the router calls it as
// its Observer with the lock held, and the broker counts publishes under
// it, so counting adds no lock of its own. Its histograms and refusal
// counters are atomic.
type brokerMetrics struct {
	series seriesSet

	publishConfirm *histogram // publish received -> confirm queued
	queueWait      *histogram // publish received -> first delivery
	handler        *histogram // delivery -> answer

	refused [maxCountedCode + 1]atomic.Int64 // refused publishes by wire code

	// statsSlots bounds the /api/stats requests served at once, as
	// maxScrapes bounds /metrics: each takes the broker's lock for a walk
	// of its groups.
	statsSlots chan struct{}
}

var _ router.Observer = (*brokerMetrics)(nil)

// maxScrapes bounds the /api/stats requests served at once; more get 503.
// Each takes the broker's lock for a walk of its groups.
const maxScrapes = 4

// maxCountedCode is the largest wire code counted by name; larger ones are
// counted with it.
const maxCountedCode = 63

// Bucket bounds, in seconds, of the broker's histograms.
var (
	// confirmBuckets spans a publish in memory (tens of µs) to a slow disk.
	confirmBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	// waitBuckets spans a consumer ready at once to a backlog of an hour.
	waitBuckets = []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600}
	// handlerBuckets spans a quick handler to one that runs past the
	// default lease.
	handlerBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
)

func newBrokerMetrics(maxCommands int) *brokerMetrics {
	return &brokerMetrics{
		series:         newSeriesSet(maxCommands),
		statsSlots:     make(chan struct{}, maxScrapes),
		publishConfirm: newHistogram(confirmBuckets),
		queueWait:      newHistogram(waitBuckets),
		handler:        newHistogram(handlerBuckets),
	}
}

// published counts a message of command queued for consumers. Called with
// Broker.mu held.
func (m *brokerMetrics) published(command string) {
	m.series.command(command).published++
}

// confirmed observes the confirm of a publish received at received.
// Safe for concurrent use.
func (m *brokerMetrics) confirmed(received, now time.Time) {
	if !received.IsZero() {
		m.publishConfirm.observe(now.Sub(received))
	}
}

// refusedPublish counts a publish refused with code. Safe for concurrent
// use.
func (m *brokerMetrics) refusedPublish(code wire.Code) {
	m.refused[min(int(code), maxCountedCode)].Add(1)
}

// Delivered counts a delivery; called by the router with Broker.mu held.
func (m *brokerMetrics) Delivered(command, group string, attempt int, queued time.Duration) {
	s := m.series.group(command, group)
	s.delivered++
	if attempt > 1 {
		s.redelivered++
	} else if queued >= 0 {
		m.queueWait.observe(queued)
	}
}

// Answered counts an answer; called by the router with Broker.mu held.
func (m *brokerMetrics) Answered(command, group string, kind router.AnswerKind, held time.Duration) {
	s := m.series.group(command, group)
	if int(kind) < len(s.answers) {
		s.answers[kind]++
	}
	if held >= 0 {
		m.handler.observe(held)
	}
}

// Expired counts an expired copy; called by the router with Broker.mu held.
func (m *brokerMetrics) Expired(command, group string) {
	m.series.group(command, group).expired++
}

// DeadLettered counts a dead-lettered copy; called by the router with
// Broker.mu held.
func (m *brokerMetrics) DeadLettered(command, group string) {
	m.series.group(command, group).deadLettered++
}
