package teomq_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequest measures request/reply round trips through a broker on
// loopback with 128 B payloads. In a clients=N row, N clients, each with
// its own connection, make one request at a time each. Its baseline-echo
// rows are one round trip over the same Teonet channels to an echo server,
// without a broker, from N goroutines on N channels: a request through
// teomq crosses two such round trips (producer to broker to consumer and
// back), so a ratio near 0.5 means the broker adds little. The
// clients=1/goroutines=64 row is 64 goroutines sharing one client (one
// connection), as a server that makes one Client does; it has no echo
// baseline.
func BenchmarkRequest(b *testing.B) {
	for _, bc := range []struct {
		clients, goroutines, consumers int
		durability                     teomq.Durability
	}{
		{1, 1, 1, teomq.DurabilityMemory},
		{64, 64, 2, teomq.DurabilityMemory},
		{64, 64, 2, teomq.DurabilitySync},
		{1, 64, 2, teomq.DurabilityMemory},
	} {
		name := fmt.Sprintf("clients=%d", bc.clients)
		if bc.goroutines != bc.clients {
			name += fmt.Sprintf("/goroutines=%d", bc.goroutines)
		} else if bc.durability == teomq.DurabilityMemory {
			b.Run(name+"/baseline-echo", func(b *testing.B) {
				runEchoBaseline(b, bc.clients, make([]byte, 128))
			})
		}
		b.Run(fmt.Sprintf("%s/consumers=%d/%s", name, bc.consumers, bc.durability), func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{Durability: bc.durability})
			for range bc.consumers {
				c := mustConnect(b, br)
				if _, err := c.Subscribe("bench", echo, teomq.Concurrency(64)); err != nil {
					b.Fatal(err)
				}
			}
			clients := connectClients(b, br, bc.clients)
			payload := make([]byte, 128)
			b.ReportAllocs()
			runProducers(b, bc.goroutines, func(ctx context.Context, i int) error {
				_, err := clients[i%len(clients)].Request(ctx, "bench", payload)
				return err
			})
		})
	}
}

// BenchmarkSend measures confirmed publishes in memory durability from
// producers=N clients, each with its own connection and one publish at a
// time; BenchmarkDurableSend has the sync ones.
func BenchmarkSend(b *testing.B) {
	for _, bc := range []struct {
		producers  int
		durability teomq.Durability
	}{
		{1, teomq.DurabilityMemory},
		{64, teomq.DurabilityMemory},
	} {
		b.Run(fmt.Sprintf("producers=%d/%s", bc.producers, bc.durability), func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{Durability: bc.durability, MaxQueueLen: 1 << 30, MaxQueueBytes: 1 << 40})
			producers := connectClients(b, br, bc.producers)
			payload := make([]byte, 128)
			b.ReportAllocs()
			runProducers(b, bc.producers, func(ctx context.Context, i int) error {
				_, err := producers[i].Send(ctx, "bench", payload)
				return err
			})
		})
	}
}

// connectClients connects n clients to br, each with its own identity and
// connection, closed when the benchmark ends.
func connectClients(b *testing.B, br *teomq.Broker, n int) []*teomq.Client {
	b.Helper()
	clients := make([]*teomq.Client, n)
	for i := range clients {
		clients[i] = mustConnect(b, br)
	}
	return clients
}
