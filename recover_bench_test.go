package teomq_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/memstat"
	"github.com/teonet-go/teomq/store"
)

// BenchmarkBrokerRecover1M measures a broker start on a data dir holding
// 1,000,000 pending 128 B messages: the time NewBroker takes to restore
// them and the growth of the resident set and of the heap. The first
// message is then delivered, to show the queue is live. Run it with
// -benchtime=1x.
func BenchmarkBrokerRecover1M(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	dataDir := filepath.Join(dir, "data")
	fillStore(b, dataDir, n)
	for range b.N {
		runtime.GC()
		rss0, heap0 := memstat.RSS(), memstat.HeapInUse()
		start := time.Now()
		br, err := teomq.NewBroker(teomq.BrokerConfig{
			Name: "broker", ConfigDir: dir, DataDir: dataDir, Listen: "127.0.0.1:0",
			Logger: testLogger(), MaxQueueLen: 2 * n,
		})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		runtime.GC()
		rss1, heap1 := memstat.RSS(), memstat.HeapInUse()
		if q := br.QueueLen("bench"); q != n {
			b.Fatalf("restored %d messages, want %d", q, n)
		}
		got := make(chan []byte, 1)
		c := mustConnect(b, br)
		if _, err := c.Subscribe("bench", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			select {
			case got <- m.Data:
			default:
			}
			return nil, nil
		}); err != nil {
			b.Fatal(err)
		}
		if d := recv(b, got, "first restored message"); string(d[:8]) != "00000000" {
			b.Fatalf("first message %q, want the oldest", d[:8])
		}
		c.Close()
		br.Close()
		b.ReportMetric(took.Seconds(), "recover-s")
		b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MB")
		b.ReportMetric(float64(heap1-heap0)/(1<<20), "heap-MB")
		b.ReportMetric(float64(rss1)/(1<<20), "total-rss-MB")
	}
}

// fillStore writes n pending messages of command "bench" to a pebble store.
func fillStore(b *testing.B, dir string, n int) {
	b.Helper()
	s, err := store.OpenPebble(dir, store.PebbleOptions{Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Load(func(*store.Record) error { return nil }); err != nil {
		b.Fatal(err)
	}
	const batch = 10_000
	ops := make([]store.Op, 0, batch)
	for i := range n {
		data := make([]byte, 128)
		copy(data, []byte(padSeq(i)))
		id := mustUUID(b)
		ops = append(ops, store.Op{Kind: store.KindMessage, Msg: &store.Message{
			Command: "bench", Seq: uint64(i + 1), ID: id, From: "producer", Data: data,
		}})
		if len(ops) == batch || i == n-1 {
			if err := s.Write(ops, false); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// padSeq formats i as 8 digits.
func padSeq(i int) string {
	const digits = "0123456789"
	var buf [8]byte
	for j := 7; j >= 0; j-- {
		buf[j] = digits[i%10]
		i /= 10
	}
	return string(buf[:])
}
