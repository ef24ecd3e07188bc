// Command consumer is the users_servers example's consumer: it subscribes to
// num_servers and num_players and logs each value.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/examples/internal/example"
)

func main() {
	f := example.Parse("teomqconsumer", false, "")
	log := f.Logger()
	ctx, stop := example.SignalContext()
	defer stop()
	c := f.Connect(ctx)
	defer c.Close()

	for _, cmd := range []string{"num_servers", "num_players"} {
		_, err := c.Subscribe(cmd, func(_ context.Context, m *teomq.Message) ([]byte, error) {
			log.Printf("%s = %s (from %s)", m.Command, m.Data, m.From)
			return []byte("ok"), nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "subscribe:", err)
			os.Exit(1)
		}
	}
	<-ctx.Done()
}
