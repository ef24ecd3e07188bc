// Package metrics serves a teomq broker's metrics to Prometheus.
//
// A broker program imports it for its side effect, and every broker with
// BrokerConfig.HTTP then serves /metrics:
//
//	import _ "github.com/teonet-go/teomq/metrics"
//
// Without it /metrics answers 404, and the program does not link the
// Prometheus client. Collector serves the same metrics from a registry of
// the program's own.
package metrics
