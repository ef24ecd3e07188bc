// Command broker is the users_servers example's broker. It prints its Teonet
// address; start the consumer and producer with -broker=ADDRESS.
package main

import (
	"github.com/teonet-go/teomq/examples/internal/example"
	_ "github.com/teonet-go/teomq/metrics"           // /metrics
	_ "github.com/teonet-go/teomq/store/pebblestore" // the disk store
)

func main() { example.RunBroker("teomq-users_servers-broker") }
