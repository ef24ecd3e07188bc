package metrics

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/teonet-go/teomq"
)

// maxScrapes bounds the scrapes of /metrics served at once; more get 503.
// Each takes the broker's lock for a walk of its groups.
const maxScrapes = 4

// init makes Handler the /metrics handler of every broker.
func init() { teomq.RegisterMetricsHandler(Handler) }

// Handler serves b's /metrics from a registry of its own (no global
// state): the broker's metrics and the Go runtime's and process's, with
// errors logged to log. It checks no Origin (scrapers are not browsers);
// the broker serves it only to the networks of
// teomq.BrokerConfig.OperatorFrom. The handler is safe for concurrent
// use.
func Handler(b *teomq.Broker, log *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		Collector(b),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		MaxRequestsInFlight: maxScrapes,
	})
}
