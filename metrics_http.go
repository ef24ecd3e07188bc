package teomq

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxScrapes bounds the scrapes of /metrics served at once; more get 503.
// Each takes the broker's lock for a walk of its groups.
const maxScrapes = 4

// metricsHandler serves /metrics from a registry of the broker's own (no
// global state): the broker's metrics and the Go runtime's and process's.
// Like /healthz it answers any client: scrapers are not browsers, and the
// HTTP port is protected at the network level.
func (b *Broker) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		metricsCollector{b},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(b.log.Handler(), slog.LevelWarn),
		MaxRequestsInFlight: maxScrapes,
	})
}

// Collector returns a prometheus.Collector of the broker's metrics (those
// /metrics serves, without the Go runtime's and the process's), for a
// program that serves them from its own registry. Safe for concurrent
// use.
func (b *Broker) Collector() prometheus.Collector { return metricsCollector{b} }
