// Command producer is the users_servers example's producer: every -delay it
// sends a random value 1..100 to -command (num_servers or num_players).
package main

import (
	"math/rand/v2"
	"strconv"

	"github.com/teonet-go/teomq/examples/internal/example"
)

func main() {
	f := example.Parse("teomqproducer", true, "num_servers")
	log := f.Logger()
	ctx, stop := example.SignalContext()
	defer stop()
	c := f.Connect(ctx)
	defer c.Close()

	for ctx.Err() == nil {
		v := strconv.Itoa(1 + rand.IntN(100))
		if id, err := c.Send(ctx, f.Command, []byte(v)); err != nil {
			log.Printf("send %s: %v", f.Command, err)
		} else {
			log.Printf("sent %s = %s (id %s)", f.Command, v, id)
		}
		if !f.Delayed(ctx) {
			break
		}
	}
}
