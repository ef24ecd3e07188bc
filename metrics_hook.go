package teomq

import (
	"log/slog"
	"net/http"

	"github.com/teonet-go/teomq/internal/registry"
)

// MetricsHandlerFunc makes the /metrics handler of broker b, which logs
// to log.
type MetricsHandlerFunc func(b *Broker, log *slog.Logger) http.Handler

// metricsHook is the registered MetricsHandlerFunc.
var metricsHook registry.One[MetricsHandlerFunc]

// metricsImport is the package that serves /metrics.
const metricsImport = "github.com/teonet-go/teomq/metrics"

// RegisterMetricsHandler makes newHandler the maker of the /metrics
// handler of the brokers started after it. Package
// github.com/teonet-go/teomq/metrics calls it from its init, so that a
// program links the Prometheus client only when it imports that package;
// without it /metrics answers 404. It panics if newHandler is nil or a
// maker is registered already. Safe for concurrent use.
func RegisterMetricsHandler(newHandler MetricsHandlerFunc) {
	metricsHook.Register("teomq: RegisterMetricsHandler", newHandler, newHandler == nil)
}

// metricsHandler is the /metrics handler: the registered one, or, with
// none, one that answers 404 naming the import to add, which it logs once.
func (b *Broker) metricsHandler() http.Handler {
	if newHandler, ok := metricsHook.Get(); ok {
		return newHandler(b, b.log)
	}
	b.log.Info("teomq: /metrics is off: the program does not link the metrics package", "import", metricsImport)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `metrics off: the broker program does not import _ "`+metricsImport+`"`, http.StatusNotFound)
	})
}
