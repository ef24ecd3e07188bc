// Command consumer is the basic example's consumer: it prints each message
// of the default command and answers it with the message's own data.
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

	_, err := c.Subscribe(teomq.DefaultCommand, func(_ context.Context, m *teomq.Message) ([]byte, error) {
		log.Printf("got message %s from %s: %s", m.ID, m.From, m.Data)
		return m.Data, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "subscribe:", err)
		os.Exit(1)
	}
	<-ctx.Done()
}
