// Command consumer is the command example's consumer: it declares its
// commands with package command and subscribes to each of them.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/command"
	"github.com/teonet-go/teomq/examples/internal/example"
)

const appVersion = "0.0.2"

func main() {
	f := example.Parse("teomqconsumer", false, "")
	log := f.Logger()
	ctx, stop := example.SignalContext()
	defer stop()

	cmds := command.NewSet()
	if err := cmds.Add("version", "Get consumer version.", "{data}",
		func(_ context.Context, r *command.Request) ([]byte, error) {
			return fmt.Appendf(nil, "version: %s, data: %s", appVersion, r.Vars["data"]), nil
		}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("Commands loaded:")
	fmt.Print(cmds.Usage())

	c := f.Connect(ctx)
	defer c.Close()
	for _, name := range cmds.Names() {
		_, err := c.Subscribe(name, func(ctx context.Context, m *teomq.Message) ([]byte, error) {
			log.Printf("got command %s from %s: %s", m.Command, m.From, m.Data)
			return cmds.Handle(ctx, m.Command, m.Data)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "subscribe:", err)
			os.Exit(1)
		}
	}
	<-ctx.Done()
}
