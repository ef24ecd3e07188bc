// Command producer is the command example's producer: every -delay it sends
// the command line -command ("version/some_data": command "version", data
// "some_data") and prints the answer.
package main

import (
	"context"
	"time"

	"github.com/teonet-go/teomq/command"
	"github.com/teonet-go/teomq/examples/internal/example"
)

func main() {
	f := example.Parse("teomqproducer", true, "version/some_data")
	log := f.Logger()
	ctx, stop := example.SignalContext()
	defer stop()
	c := f.Connect(ctx)
	defer c.Close()

	name, data := command.Split(f.Command)
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ans, err := c.Request(rctx, name, []byte(data))
		cancel()
		if err != nil {
			log.Printf("request %s: %v", f.Command, err)
		} else {
			log.Printf("recv answer id %s: %s", ans.ID, ans.Data)
		}
		if !f.Delayed(ctx) {
			break
		}
	}
}
