package loadgen_test

// The sync-durability targets run a broker that needs a disk store.
import _ "github.com/teonet-go/teomq/store/pebblestore"
