//go:build unix

package teomq_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequestPayload measures request/reply round trips in memory
// durability from 16 clients, one request at a time each, to two echo
// consumers, at the payload sizes of the comparison's payload sweep. Besides
// allocations it reports the process's minor page faults (faults/op),
// which fresh buffers for large payloads cause, and its CPU time, user and
// system (cpu-µs/op), per request: on a machine shared with other work the
// CPU time varies less than the throughput.
func BenchmarkRequestPayload(b *testing.B) {
	for _, size := range []int{128, 1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{Durability: teomq.DurabilityMemory})
			for range 2 {
				c := mustConnect(b, br)
				if _, err := c.Subscribe("bench", echo, teomq.Concurrency(64)); err != nil {
					b.Fatal(err)
				}
			}
			clients := connectClients(b, br, 16)
			payload := make([]byte, size)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			before := usage(b)
			runProducers(b, len(clients), func(ctx context.Context, i int) error {
				_, err := clients[i].Request(ctx, "bench", payload)
				return err
			})
			after := usage(b)
			b.ReportMetric(float64(after.Minflt-before.Minflt)/float64(b.N), "faults/op")
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// usage returns the process's resource usage so far.
func usage(b *testing.B) syscall.Rusage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru
}
