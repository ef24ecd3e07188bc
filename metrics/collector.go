package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/teonet-go/teomq"
)

// capNote ends the help of every metric labelled by command.
const capNote = ` Commands past BrokerConfig.MetricsMaxCommands (default 1000, first seen first labelled), and groups past 16 per command, are summed under "_other".`

// Descriptions of the broker's metrics.
var (
	labelsCmd      = []string{"command"}
	labelsCmdGroup = []string{"command", "group"}

	descPublished    = prometheus.NewDesc("teomq_messages_published_total", "Messages stored and queued for consumers, by command."+capNote, labelsCmd, nil)
	descDelivered    = prometheus.NewDesc("teomq_messages_delivered_total", "Deliveries to consumers, redeliveries included, by command and group."+capNote, labelsCmdGroup, nil)
	descRedelivered  = prometheus.NewDesc("teomq_messages_redelivered_total", "Deliveries after the first (lease ended, consumer gone, retry asked), by command and group."+capNote, labelsCmdGroup, nil)
	descAnswers      = prometheus.NewDesc("teomq_answers_total", "Answers of consumers by kind: reply and error finish the message, retry asks for a redelivery."+capNote, []string{"command", "group", "kind"}, nil)
	descExpired      = prometheus.NewDesc("teomq_messages_expired_total", "Copies of messages dropped because their deadline passed, by command and group."+capNote, labelsCmdGroup, nil)
	descDeadLettered = prometheus.NewDesc("teomq_messages_dead_lettered_total", "Copies of messages moved to a dead-letter queue after their last delivery, by command and group."+capNote, labelsCmdGroup, nil)
	descPending      = prometheus.NewDesc("teomq_messages_pending", "Copies of messages waiting for delivery (retry delays included), by command and group."+capNote, labelsCmdGroup, nil)
	descInFlight     = prometheus.NewDesc("teomq_messages_in_flight", "Copies of messages delivered and not answered, by command and group."+capNote, labelsCmdGroup, nil)
	descDeadLetters  = prometheus.NewDesc("teomq_dead_letters", "Copies of messages in dead-letter queues, by command and group."+capNote, labelsCmdGroup, nil)
	descSubscribers  = prometheus.NewDesc("teomq_subscribers", "Subscriptions of connected consumers, by command and group."+capNote, labelsCmdGroup, nil)

	descCommands    = prometheus.NewDesc("teomq_commands", "Commands the broker knows, labelled or not.", nil, nil)
	descMailbox     = prometheus.NewDesc("teomq_mailbox_answers", "Answers waiting for their disconnected producer.", nil, nil)
	descConnections = prometheus.NewDesc("teomq_connections", "Connected peers by kind: go (Teonet channel) or browser (WebSocket).", []string{"kind"}, nil)
	descRefused     = prometheus.NewDesc("teomq_refused_total", `Refusals by reason: "policy" counts connections, publishes and subscriptions the policy refused; the other reasons count publishes refused with that error code.`, []string{"reason"}, nil)
	descSlowPeers   = prometheus.NewDesc("teomq_slow_peer_disconnects_total", "Peers disconnected for not taking their data or going silent.", nil, nil)
	descProtocol    = prometheus.NewDesc("teomq_protocol_errors_total", "Connections closed for a frame that does not decode or that a client may not send.", nil, nil)
	descCallbacks   = prometheus.NewDesc("teomq_callbacks_dropped_total", "OnPublish calls dropped while the callback fell behind.", nil, nil)
	descReady       = prometheus.NewDesc("teomq_ready", "1 once the store is loaded and the peer port listens, 0 while starting or closing (as /readyz).", nil, nil)
	descStoreUp     = prometheus.NewDesc("teomq_store_healthy", "1 while the store takes writes, 0 once it failed (as /healthz).", nil, nil)
	descStoreSize   = prometheus.NewDesc("teomq_store_size_bytes", "Space the store takes on disk.", nil, nil)
	descSyncSeconds = prometheus.NewDesc("teomq_store_fsync_seconds", "Duration of the store's write-ahead log syncs.", nil, nil)
	descSyncMsgs    = prometheus.NewDesc("teomq_store_fsync_messages", "Messages made durable per sync of the store's write-ahead log (sync durability; approximate per sync, exact in sum).", nil, nil)

	descPublishConfirm = prometheus.NewDesc("teomq_publish_confirm_seconds", "Time from receiving a publish to queueing its confirm (for a request, its result's release): the store's write and sync included.", nil, nil)
	descQueueWait      = prometheus.NewDesc("teomq_queue_wait_seconds", "Time from receiving a publish to the first delivery of each group's copy. Messages restored after a restart are not counted.", nil, nil)
	descHandler        = prometheus.NewDesc("teomq_handler_seconds", "Time from a delivery to its answer, as the broker sees it (the consumer's handler and the network round trip).", nil, nil)
)

// Collector returns a prometheus.Collector of b's metrics (those /metrics
// serves, without the Go runtime's and the process's), for a program that
// serves them from its own registry. Safe for concurrent use.
func Collector(b *teomq.Broker) prometheus.Collector { return collector{b} }

// collector collects a broker's metrics at scrape time, from one
// Broker.Metrics. Safe for concurrent use.
type collector struct{ b *teomq.Broker }

var _ prometheus.Collector = collector{}

// Describe sends the descriptions of every metric Collect sends.
func (mc collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descPublished, descDelivered, descRedelivered, descAnswers, descExpired, descDeadLettered,
		descPending, descInFlight, descDeadLetters, descSubscribers,
		descCommands, descMailbox, descConnections, descRefused, descSlowPeers, descProtocol, descCallbacks,
		descReady, descStoreUp, descStoreSize, descSyncSeconds, descSyncMsgs,
		descPublishConfirm, descQueueWait, descHandler,
	} {
		ch <- d
	}
}

// Collect sends the broker's metrics.
func (mc collector) Collect(ch chan<- prometheus.Metric) {
	m := mc.b.Metrics()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, c := range m.Commands {
		counter(descPublished, c.Published, c.Command)
		for _, g := range c.Groups {
			counter(descDelivered, g.Delivered, c.Command, g.Group)
			counter(descRedelivered, g.Redelivered, c.Command, g.Group)
			counter(descAnswers, g.Replies, c.Command, g.Group, "reply")
			counter(descAnswers, g.Errors, c.Command, g.Group, "error")
			counter(descAnswers, g.Retries, c.Command, g.Group, "retry")
			counter(descExpired, g.Expired, c.Command, g.Group)
			counter(descDeadLettered, g.DeadLettered, c.Command, g.Group)
			gauge(descPending, float64(g.Pending), c.Command, g.Group)
			gauge(descInFlight, float64(g.InFlight), c.Command, g.Group)
			gauge(descDeadLetters, float64(g.DeadLetters), c.Command, g.Group)
			gauge(descSubscribers, float64(g.Subscribers), c.Command, g.Group)
		}
	}
	gauge(descCommands, float64(m.KnownCommands))
	gauge(descMailbox, float64(m.Mailbox))
	gauge(descConnections, float64(m.GoPeers), "go")
	gauge(descConnections, float64(m.BrowserPeers), "browser")

	counter(descRefused, m.PolicyRefusals, "policy")
	for reason, n := range m.RefusedPublishes {
		counter(descRefused, n, reason)
	}
	counter(descSlowPeers, m.SlowPeerDisconnects)
	counter(descProtocol, m.ProtocolErrors)
	counter(descCallbacks, m.CallbacksDropped)

	gauge(descReady, boolGauge(m.Ready))
	gauge(descStoreUp, boolGauge(m.Healthy))
	if m.Store != nil {
		gauge(descStoreSize, float64(m.Store.DiskBytes))
		ch <- constHistogram(descSyncSeconds, m.Store.SyncSeconds)
		ch <- constHistogram(descSyncMsgs, m.Store.SyncMessages)
	}
	ch <- constHistogram(descPublishConfirm, m.PublishConfirm)
	ch <- constHistogram(descQueueWait, m.QueueWait)
	ch <- constHistogram(descHandler, m.Handler)
}

func boolGauge(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

// constHistogram is h as a Prometheus histogram.
func constHistogram(d *prometheus.Desc, h teomq.Histogram) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Buckets))
	for _, bk := range h.Buckets {
		buckets[bk.UpperBound] = bk.Count
	}
	return prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets)
}
