package metrics_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/metrics"
)

// A program that serves HTTP itself registers the broker's metrics in its
// own registry (a broker with BrokerConfig.HTTP serves them at /metrics).
func ExampleCollector() {
	dir, _ := os.MkdirTemp("", "teomq-example")
	defer os.RemoveAll(dir)
	broker, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  dir,
		Listen:     "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.Collector(broker))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	fams, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "teomq_ready" {
			fmt.Println(f.GetName(), f.GetMetric()[0].GetGauge().GetValue())
		}
	}
	// Output: teomq_ready 1
}
