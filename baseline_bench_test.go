package teomq_test

import (
	"context"
	"sync"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// echoServer is the baseline of the request benchmarks: a Teonet node
// that sends every frame back on the channel it came from, i.e. one round
// trip over the same authenticated TLS channels without a broker between.
func echoServer(b *testing.B) string {
	b.Helper()
	n, err := teonet.New(teonet.Config{Name: "echo", ConfigDir: b.TempDir(), Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := n.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { // owned by the benchmark: ends when the node closes
		for {
			ch, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				for {
					f, err := ch.Recv()
					if err != nil || ch.Send(f) != nil {
						return
					}
				}
			})
		}
	})
	b.Cleanup(func() {
		n.Close()
		wg.Wait()
	})
	return ln.Endpoint()
}

// runEchoBaseline makes b.N round trips of payload to an echo server from
// clients goroutines, each on its own channel.
func runEchoBaseline(b *testing.B, clients int, payload []byte) {
	endpoint := echoServer(b)
	n, err := teonet.New(teonet.Config{Name: "echo-client", ConfigDir: b.TempDir(), Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	chans := make([]*teonet.Channel, clients)
	for i := range chans {
		if chans[i], err = n.Dial(context.Background(), endpoint); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	runProducers(b, clients, func(_ context.Context, i int) error {
		if err := chans[i].Send(payload); err != nil {
			return err
		}
		_, err := chans[i].Recv()
		return err
	})
}
