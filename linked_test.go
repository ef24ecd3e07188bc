package teomq_test

// The test binary links what a broker program links: the disk store, for
// the tests in sync or interval durability, and the metrics package, for
// those that scrape /metrics.
import (
	_ "github.com/teonet-go/teomq/metrics"
	_ "github.com/teonet-go/teomq/store/pebblestore"
)
