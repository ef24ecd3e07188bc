package teomq_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/fsfloor"
)

// BenchmarkDurableSend measures confirmed 128 B publishes in sync
// durability (fsync before confirm) from producers=N clients, each with its
// own connection and one publish at a time, through a broker on loopback,
// against the floor of this disk measured in the same run: a
// group-committed file append + fdatasync from N writers, one append at a
// time each. Compare msg/s of teomq with floor at the same producer count; the
// no-sync-delay runs show what the default pause between fsyncs costs and
// saves.
func BenchmarkDurableSend(b *testing.B) {
	payload := make([]byte, 128)
	for _, producers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("producers=%d/floor", producers), func(b *testing.B) {
			c, err := fsfloor.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Stop()
			runProducers(b, producers, func(context.Context, int) error { return c.Append(payload) })
		})
		for _, delay := range []time.Duration{0, -1} {
			name := fmt.Sprintf("producers=%d/teomq", producers)
			if delay < 0 {
				name += "-no-sync-delay"
			}
			b.Run(name, func(b *testing.B) {
				br := mustStartBroker(b, teomq.BrokerConfig{Durability: teomq.DurabilitySync, MaxQueueLen: 1 << 30, SyncDelay: delay})
				clients := connectClients(b, br, producers)
				runProducers(b, producers, func(ctx context.Context, i int) error {
					_, err := clients[i].Send(ctx, "bench", payload)
					return err
				})
			})
		}
	}
}

// runProducers calls send b.N times in total from n goroutines (passing
// each its index) and reports the rate and the p50/p99 latency of one call.
func runProducers(b *testing.B, n int, send func(ctx context.Context, i int) error) {
	ctx := context.Background()
	var left atomic.Int64
	left.Store(int64(b.N))
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range n {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				start := time.Now()
				if err := send(ctx, i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}
