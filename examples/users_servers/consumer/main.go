// Command consumer is the users_servers example's consumer: it subscribes to
// num_servers and num_players and logs each value, and answers version, as
// the original project's consumer did (the web consumer's "Request
// version" button asks it).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/examples/internal/example"
)

// appVersion is what the consumer answers to version.
const appVersion = "0.0.2"

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
	_, err := c.Subscribe("version", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		log.Printf("version asked by %s", m.From)
		return []byte("users_servers consumer " + appVersion), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "subscribe:", err)
		os.Exit(1)
	}
	<-ctx.Done()
}
