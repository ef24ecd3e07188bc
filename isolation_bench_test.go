package teomq_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequestStuckPeer measures request/reply with 64 concurrent
// requests and 2 consumers, without and then with a consumer of another
// command connected that stopped reading its socket (its socket full and
// a backlog queued for it). The stuck row should match the baseline row of
// the same run: the broker never waits for the stuck peer.
func BenchmarkRequestStuckPeer(b *testing.B) {
	for _, stuck := range []bool{false, true} {
		name := "baseline"
		if stuck {
			name = "stuck-peer"
		}
		b.Run(name, func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{})
			p := mustConnect(b, br)
			if stuck {
				startStuckPeer(b, br, "stuck", 1<<20)
				data := bytes.Repeat([]byte("x"), 1<<10)
				for range 1000 {
					if _, err := p.Send(context.Background(), "stuck", data); err != nil {
						b.Fatal(err)
					}
				}
			}
			runRequests(b, p, mustConnect(b, br), mustConnect(b, br))
		})
	}
}

// runRequests subscribes the consumers to "bench" (echo, 64 handlers
// each) and measures 64 concurrent requests of 128 B from p.
func runRequests(b *testing.B, p *teomq.Client, consumers ...*teomq.Client) {
	b.Helper()
	for _, c := range consumers {
		if _, err := c.Subscribe("bench", echo, teomq.Concurrency(64)); err != nil {
			b.Fatal(err)
		}
	}
	payload := make([]byte, 128)
	b.ReportAllocs()
	runProducers(b, 64, func(ctx context.Context, _ int) error {
		_, err := p.Request(ctx, "bench", payload)
		return err
	})
}
