package teomq_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/memstat"
	"github.com/teonet-go/teomq/store"
)

// BenchmarkBacklog starts a broker on a store holding a backlog of
// pending 128 B messages on one command and drains it with two
// consumers: the time from NewBroker to the first delivery, the growth of
// the resident set once started and the Go heap after a collection then
// (the resident set keeps what the run's set-up left to the runtime, so
// small growths read low or negative), and the drain rate. It runs a
// 10,000-message queue and a large backlog (TEOMQ_BENCH_BACKLOG messages,
// default 100,000), each with the default window (window=4096: the
// backlog past it stays in the store, counted) and payloads paged out
// past 1 MiB per command (ResidentBytes); with every message in memory
// and payloads paged out (window=all, as before windows); and with every
// message and payload in memory (resident=all, as before paging), so that
// one run gives the ratios. Run it with -benchtime=1x.
func BenchmarkBacklog(b *testing.B) {
	big := 100_000
	if v, err := strconv.Atoi(os.Getenv("TEOMQ_BENCH_BACKLOG")); err == nil && v > 0 {
		big = v
	}
	cases := []struct {
		name     string
		resident int64
		window   int
	}{
		{"window=4096", 1 << 20, 0},
		{"window=all", 1 << 20, -1},
		{"resident=all", -1, -1},
	}
	for _, n := range []int{10_000, big} {
		for _, c := range cases {
			b.Run(fmt.Sprintf("pending=%d/%s", n, c.name), func(b *testing.B) {
				for range b.N {
					runBacklog(b, n, c.resident, c.window, nil)
				}
			})
		}
	}
}

// BenchmarkBacklogRequests is BenchmarkBacklog with a backlog of requests
// that have a deadline (an hour away) instead of plain sends, with the
// default window and with every message in memory. Their answers go to
// the producer's mailbox, which the drain rate includes. Run it with
// -benchtime=1x.
func BenchmarkBacklogRequests(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TEOMQ_BENCH_BACKLOG")); err == nil && v > 0 {
		n = v
	}
	deadline := time.Now().Add(time.Hour).UnixMilli()
	request := func(m *store.Message) {
		m.Flags |= store.MessageRequest
		m.Deadline = deadline
	}
	for _, c := range []struct {
		name   string
		window int
	}{{"window=4096", 0}, {"window=all", -1}} {
		b.Run(fmt.Sprintf("pending=%d/%s", n, c.name), func(b *testing.B) {
			for range b.N {
				runBacklog(b, n, 1<<20, c.window, request)
			}
		})
	}
}

// runBacklog runs one case of BenchmarkBacklog: n messages, each given to
// set before it is stored (nil: plain sends).
func runBacklog(b *testing.B, n int, resident int64, window int, set func(*store.Message)) {
	dir := b.TempDir()
	dataDir := filepath.Join(dir, "data")
	fillStoreWith(b, dataDir, n, set)
	runtime.GC()
	rss0 := memstat.RSS()
	start := time.Now()
	br, err := teomq.NewBroker(teomq.BrokerConfig{
		Name: "broker", ConfigDir: dir, DataDir: dataDir, Listen: "127.0.0.1:0",
		Logger: testLogger(), MaxQueueLen: 2 * n, ResidentBytes: resident,
		Window: window,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	var got atomic.Int64
	first := make(chan time.Time, 1)
	done := make(chan time.Time, 1)
	handler := func(_ context.Context, m *teomq.Message) ([]byte, error) {
		switch got.Add(1) {
		case 1:
			first <- time.Now()
		case int64(n):
			done <- time.Now()
		}
		return nil, nil
	}
	for range 2 {
		if _, err := mustConnect(b, br).Subscribe("bench", handler, teomq.Concurrency(64)); err != nil {
			b.Fatal(err)
		}
	}
	t1 := recv(b, first, "first delivery")
	runtime.GC()
	rss1 := memstat.RSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	var t2 time.Time
	select {
	case t2 = <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("drained %d of %d messages in 10 minutes", got.Load(), n)
	}
	b.ReportMetric(t1.Sub(start).Seconds(), "first-delivery-s")
	b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MB")
	b.ReportMetric(float64(n-1)/t2.Sub(t1).Seconds(), "drain-msgs/s")
}

// BenchmarkBacklogLarge publishes TEOMQ_BENCH_LARGE_MB (default 64)
// messages of 1 MiB with no consumer, in sync durability, and reports the
// growth of the process's resident set (broker and producer share it)
// once they are stored, with the default ResidentBytes (64 MiB) and with
// every payload in memory. Run it with -benchtime=1x.
func BenchmarkBacklogLarge(b *testing.B) {
	n := 64
	if v, err := strconv.Atoi(os.Getenv("TEOMQ_BENCH_LARGE_MB")); err == nil && v > 0 {
		n = v
	}
	for _, resident := range []int64{0, -1} {
		name := "resident=default"
		if resident < 0 {
			name = "resident=all"
		}
		b.Run(fmt.Sprintf("pending=%dMiB/%s", n, name), func(b *testing.B) {
			for range b.N {
				debug.FreeOSMemory()
				rss0 := memstat.RSS()
				dir := b.TempDir()
				br := mustStartBroker(b, teomq.BrokerConfig{
					Durability: teomq.DurabilitySync, DataDir: filepath.Join(dir, "data"),
					ResidentBytes: resident, MaxQueueBytes: 1 << 40,
				})
				p := sendMiB(b, br, n)
				debug.FreeOSMemory()
				b.ReportMetric(float64(memstat.RSS()-rss0)/(1<<20), "rss-MB")
				p.Close()
				br.Close()
			}
		})
	}
}

// BenchmarkBacklogOfflineGroup stores TEOMQ_BENCH_LARGE_MB (default 64)
// messages of 1 MiB for two durable groups with no consumer, in sync
// durability, then lets a consumer of one group take them all while the
// other stays away, and reports the growth of the process's resident set
// and the Go heap after that drain: what the absent group's copies keep
// in memory. Run it with -benchtime=1x.
func BenchmarkBacklogOfflineGroup(b *testing.B) {
	n := 64
	if v, err := strconv.Atoi(os.Getenv("TEOMQ_BENCH_LARGE_MB")); err == nil && v > 0 {
		n = v
	}
	b.Run(fmt.Sprintf("pending=%dMiB", n), func(b *testing.B) {
		for range b.N {
			debug.FreeOSMemory()
			rss0 := memstat.RSS()
			br := mustStartBroker(b, teomq.BrokerConfig{
				Durability: teomq.DurabilitySync, DataDir: filepath.Join(b.TempDir(), "data"), MaxQueueBytes: 1 << 40,
			})
			c := mustConnect(b, br)
			addDurableGroups(b, c, "bench", "work", "audit")
			p := sendMiB(b, br, n)
			var got atomic.Int64
			done := make(chan struct{})
			if _, err := c.Subscribe("bench", func(context.Context, *teomq.Message) ([]byte, error) {
				if got.Add(1) == int64(n) {
					close(done)
				}
				return nil, nil
			}, teomq.Group("work")); err != nil {
				b.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(time.Minute):
				b.Fatalf("group work got %d of %d messages in a minute", got.Load(), n)
			}
			debug.FreeOSMemory()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(memstat.RSS()-rss0)/(1<<20), "rss-MB")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
			p.Close()
			c.Close()
			br.Close()
		}
	})
}

// sendMiB sends n messages of 1 MiB to command bench from a new client of
// br, each confirmed, and returns that client.
func sendMiB(b *testing.B, br *teomq.Broker, n int) *teomq.Client {
	b.Helper()
	p := mustConnect(b, br)
	payload := make([]byte, 1<<20)
	for range n {
		if _, err := p.Send(context.Background(), "bench", payload); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// BenchmarkBacklogAbsentGroup starts a broker on a store holding a backlog
// of TEOMQ_BENCH_BACKLOG (default 100,000) pending 128 B messages for two
// durable groups, lets two consumers of group work drain it while group
// audit has none, and reports the Go heap after a collection then and the
// growth of the resident set since the start (what audit's copies keep in
// memory), and the drain rate of work. Then it restarts the broker and a
// consumer of audit drains its copies: the time from NewBroker to its
// first delivery, the Go heap then, and its drain rate. Run it with
// -benchtime=1x.
func BenchmarkBacklogAbsentGroup(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TEOMQ_BENCH_BACKLOG")); err == nil && v > 0 {
		n = v
	}
	b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
		for range b.N {
			dir := b.TempDir()
			dataDir := filepath.Join(dir, "data")
			addStoredGroups(b, dataDir, "bench", "work", "audit")
			fillStoreWith(b, dataDir, n, nil)
			runtime.GC()
			rss0 := memstat.RSS()
			start := func() *teomq.Broker {
				br, err := teomq.NewBroker(teomq.BrokerConfig{
					Name: "broker", ConfigDir: dir, DataDir: dataDir, Listen: "127.0.0.1:0",
					Logger: testLogger(), MaxQueueLen: 2 * n,
				})
				if err != nil {
					b.Fatal(err)
				}
				return br
			}
			// drain has subs consumers of group take its n messages, calls
			// atFirst once the first came, and returns when the first came
			// and when the last did.
			drain := func(br *teomq.Broker, group string, subs int, atFirst func()) (first, last time.Time) {
				var got atomic.Int64
				firstC, lastC := make(chan time.Time, 1), make(chan time.Time, 1)
				handler := func(context.Context, *teomq.Message) ([]byte, error) {
					switch got.Add(1) {
					case 1:
						firstC <- time.Now()
					case int64(n):
						lastC <- time.Now()
					}
					return nil, nil
				}
				var cs []*teomq.Client
				for range subs {
					c := mustConnect(b, br)
					cs = append(cs, c)
					if _, err := c.Subscribe("bench", handler, teomq.Group(group), teomq.Concurrency(64)); err != nil {
						b.Fatal(err)
					}
				}
				first = recv(b, firstC, "first delivery")
				atFirst()
				select {
				case last = <-lastC:
				case <-time.After(10 * time.Minute):
					b.Fatalf("group %s drained %d of %d messages in 10 minutes", group, got.Load(), n)
				}
				for _, c := range cs {
					c.Close()
				}
				return first, last
			}
			heapMB := func() float64 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				return float64(ms.HeapAlloc) / (1 << 20)
			}
			br := start()
			t0 := time.Now()
			_, t1 := drain(br, "work", 2, func() {})
			b.ReportMetric(heapMB(), "heap-MB")
			b.ReportMetric(float64(memstat.RSS()-rss0)/(1<<20), "rss-MB")
			b.ReportMetric(float64(n)/t1.Sub(t0).Seconds(), "drain-msgs/s")
			br.Close()
			t0 = time.Now()
			br = start()
			var heap float64
			t1, t2 := drain(br, "audit", 1, func() { heap = heapMB() })
			b.ReportMetric(t1.Sub(t0).Seconds(), "restart-first-delivery-s")
			b.ReportMetric(heap, "restart-heap-MB")
			b.ReportMetric(float64(n-1)/t2.Sub(t1).Seconds(), "audit-drain-msgs/s")
			br.Close()
		}
	})
}

// addStoredGroups writes durable groups of command that take every
// message to the store in dir.
func addStoredGroups(b testing.TB, dir, command string, groups ...string) {
	b.Helper()
	var ops []store.Op
	for _, g := range groups {
		ops = append(ops, store.Op{Kind: store.KindGroup, Command: command, Group: g})
	}
	writeStore(b, dir, func(write func([]store.Op)) { write(ops) })
}
