package webtest

// The test binary links what a broker program links: the disk store the
// brokers of these tests keep their queues in, and the metrics package.
import (
	_ "github.com/teonet-go/teomq/metrics"
	_ "github.com/teonet-go/teomq/store/pebblestore"
)
