package teomq

import (
	"strings"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// Metrics is a broker's counters, gauges and histograms at one moment:
// what /metrics serves (package github.com/teonet-go/teomq/metrics turns
// it into Prometheus metrics). Counters count since the broker started.
type Metrics struct {
	// Ready is true once the store is loaded and the peer port listens
	// (as /readyz); before that Commands, KnownCommands and Mailbox are
	// empty.
	Ready bool
	// Healthy is true while the store takes writes (as /healthz).
	Healthy bool
	// Commands are the commands labelled by name (BrokerConfig.
	// MetricsMaxCommands of them), then "_other" summing the rest.
	Commands []CommandMetrics
	// KnownCommands is how many commands the broker knows, labelled or
	// not; Mailbox, how many answers wait for their disconnected producer.
	KnownCommands, Mailbox int
	// GoPeers and BrowserPeers are the connections of Teonet peers and of
	// browsers (WebSocket).
	GoPeers, BrowserPeers int
	// PolicyRefusals counts connections, publishes and subscriptions the
	// policy refused.
	PolicyRefusals uint64
	// RefusedPublishes counts the other refused publishes by reason: the
	// refusal's name in snake case ("queue_full", "store_unavailable").
	RefusedPublishes map[string]uint64
	// SlowPeerDisconnects counts peers dropped for not taking their data
	// or going silent; ProtocolErrors, connections closed for a frame that
	// does not decode or that a client may not send; CallbacksDropped,
	// OnPublish calls dropped while the callback fell behind.
	SlowPeerDisconnects, ProtocolErrors, CallbacksDropped uint64
	// PublishConfirm is the time from receiving a publish to queueing its
	// confirm (for a request, its result's release), the store's write
	// and sync included.
	PublishConfirm Histogram
	// QueueWait is the time from receiving a publish to the first delivery
	// of each group's copy; messages restored after a restart are not
	// counted.
	QueueWait Histogram
	// Handler is the time from a delivery to its answer, as the broker
	// sees it (the consumer's handler and the network round trip).
	Handler Histogram
	// Store is what the store reports about itself, once it is loaded;
	// nil for a store that reports nothing (memory durability).
	Store *StoreMetrics
}

// CommandMetrics are the series of one labelled command.
type CommandMetrics struct {
	Command   string
	Published uint64 // messages stored and queued for consumers
	Groups    []GroupMetrics
}

// GroupMetrics are the series of one labelled (command, group) pair.
type GroupMetrics struct {
	Group string
	// Gauges: subscriptions of connected consumers; copies waiting for
	// delivery (retry delays included), delivered and not answered, in
	// the dead-letter queue.
	Subscribers, Pending, InFlight, DeadLetters int
	// Delivered counts deliveries, redeliveries included; Redelivered, the
	// deliveries after the first; Expired, copies dropped at their
	// deadline; DeadLettered, copies moved to the dead-letter queue.
	Delivered, Redelivered, Expired, DeadLettered uint64
	// Replies, Errors and Retries count the consumers' answers by kind.
	Replies, Errors, Retries uint64
}

// StoreMetrics is what a disk store reports about itself.
type StoreMetrics struct {
	DiskBytes uint64 // space the store takes on disk
	// SyncSeconds is the duration of the write-ahead log's syncs.
	SyncSeconds Histogram
	// SyncMessages is how many messages each sync made durable (sync
	// durability; approximate per sync, exact in sum). Its bounds are
	// counts, not seconds.
	SyncMessages Histogram
}

// Metrics returns the broker's metrics now. It takes the broker's lock
// for a walk of its groups (not its messages). Safe for concurrent use.
func (b *Broker) Metrics() Metrics {
	snap := b.snapshot()
	m := Metrics{
		Ready:               b.readiness() == nil,
		Healthy:             b.Health() == nil,
		Commands:            make([]CommandMetrics, 0, len(snap.Commands)),
		KnownCommands:       snap.Router.Commands,
		Mailbox:             snap.Router.Mailbox,
		GoPeers:             snap.Go,
		BrowserPeers:        snap.Web,
		PolicyRefusals:      uint64(b.refused.Load()),
		RefusedPublishes:    make(map[string]uint64),
		SlowPeerDisconnects: uint64(b.slowPeers.Load()),
		ProtocolErrors:      uint64(b.protocolErrors.Load()),
		CallbacksDropped:    uint64(b.notify.droppedCalls()),
		PublishConfirm:      b.metrics.publishConfirm.snapshot(),
		QueueWait:           b.metrics.queueWait.snapshot(),
		Handler:             b.metrics.handler.snapshot(),
	}
	for _, c := range snap.Commands {
		cm := CommandMetrics{Command: c.Command, Published: c.Published, Groups: make([]GroupMetrics, len(c.Groups))}
		for i, g := range c.Groups {
			cm.Groups[i] = GroupMetrics{
				Group:       g.Group,
				Subscribers: g.Subscribers, Pending: g.Pending, InFlight: g.InFlight, DeadLetters: g.DeadLetters,
				Delivered: g.Delivered, Redelivered: g.Redelivered, Expired: g.Expired, DeadLettered: g.DeadLettered,
				Replies: g.Answers[router.Reply], Errors: g.Answers[router.Fail], Retries: g.Answers[router.Retry],
			}
		}
		m.Commands = append(m.Commands, cm)
	}
	for code := range b.metrics.refused {
		if n := b.metrics.refused[code].Load(); n > 0 {
			m.RefusedPublishes[refusalReason(wire.Code(code))] += uint64(n)
		}
	}
	// The store reports once it is loaded: a PebbleStore's Metrics waits
	// for its Load.
	if r, ok := b.store.(store.MetricsReporter); ok && snap.Ready {
		sm := r.Metrics()
		m.Store = &StoreMetrics{
			DiskBytes:    sm.DiskBytes,
			SyncSeconds:  storeHistogram(sm.SyncSeconds),
			SyncMessages: storeHistogram(sm.SyncMessages),
		}
	}
	return m
}

// refusalReason is the reason of a refused publish's code: its name in
// snake case ("queue_full").
func refusalReason(c wire.Code) string {
	if c >= maxCountedCode {
		return "other"
	}
	return strings.ReplaceAll(publicCode(c).String(), " ", "_")
}

// storeHistogram is a store's histogram as the broker reports it.
func storeHistogram(h store.Histogram) Histogram {
	out := Histogram{Count: h.Count, Sum: h.Sum, Buckets: make([]HistogramBucket, len(h.Buckets))}
	for i, bk := range h.Buckets {
		out.Buckets[i] = HistogramBucket{UpperBound: bk.UpperBound, Count: bk.Count}
	}
	return out
}
