package teomq_test

// The tests that run a broker in sync or interval durability need a disk
// store: the test binary links the pebble store, as a broker program does.
import _ "github.com/teonet-go/teomq/store/pebblestore"
