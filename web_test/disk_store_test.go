package webtest

// The brokers of these tests keep their queues on disk: the test binary
// links the pebble store, as a broker program does.
import _ "github.com/teonet-go/teomq/store/pebblestore"
