package metrics_test

import (
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/metrics"
)

// Importing the package registers its handler with teomq: a second
// registration panics, as a second sql.Register does.
func TestRegisteredOnce(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a second RegisterMetricsHandler did not panic: the package did not register its handler")
		}
	}()
	teomq.RegisterMetricsHandler(metrics.Handler)
}
