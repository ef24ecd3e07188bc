package teomq_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequest measures request/reply round trips through a broker on
// loopback with 128 B payloads. Its baseline-echo rows are one round trip
// over the same Teonet channels to an echo server, without a broker: a
// request through teomq crosses two such round trips (producer to broker to
// consumer and back), so a ratio near 0.5 means the broker adds little.
func BenchmarkRequest(b *testing.B) {
	for _, bc := range []struct {
		clients, consumers int
		durability         teomq.Durability
	}{
		{1, 1, teomq.DurabilityMemory},
		{64, 2, teomq.DurabilityMemory},
		{64, 2, teomq.DurabilitySync},
	} {
		if bc.durability == teomq.DurabilityMemory {
			b.Run(fmt.Sprintf("clients=%d/baseline-echo", bc.clients), func(b *testing.B) {
				runEchoBaseline(b, bc.clients, make([]byte, 128))
			})
		}
		b.Run(fmt.Sprintf("clients=%d/consumers=%d/%s", bc.clients, bc.consumers, bc.durability), func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{Durability: bc.durability})
			for range bc.consumers {
				c := mustConnect(b, br)
				if _, err := c.Subscribe("bench", echo, teomq.Concurrency(64)); err != nil {
					b.Fatal(err)
				}
			}
			p := mustConnect(b, br)
			payload := make([]byte, 128)
			b.ReportAllocs()
			runProducers(b, bc.clients, func(ctx context.Context, _ int) error {
				_, err := p.Request(ctx, "bench", payload)
				return err
			})
		})
	}
}

// BenchmarkSend measures confirmed publishes from concurrent producers in
// memory durability; BenchmarkDurableSend has the sync ones.
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
			p := mustConnect(b, br)
			payload := make([]byte, 128)
			b.ReportAllocs()
			runProducers(b, bc.producers, func(ctx context.Context, _ int) error {
				_, err := p.Send(ctx, "bench", payload)
				return err
			})
		})
	}
}
