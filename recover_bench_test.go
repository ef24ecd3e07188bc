package teomq_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/memstat"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// BenchmarkBrokerRecover1M measures a broker start on a data dir holding
// 1,000,000 pending 128 B messages: ns/op (and recover-s) is the time
// NewBroker takes to restore them; heap-MB is the heap's growth and rss-MB
// the resident set's. The store is filled once, untimed;
// every iteration starts on a fresh copy of it (copied untimed), then
// checks that the first message is delivered, to show the queue is live.
// Any -benchtime works; each iteration takes seconds, so -benchtime=1x
// is the quick run.
func BenchmarkBrokerRecover1M(b *testing.B) {
	const n = 1_000_000
	configDir, filled := b.TempDir(), filepath.Join(b.TempDir(), "data")
	fillStore(b, filled, n)
	var took time.Duration
	var rss, heap, total float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dataDir := filepath.Join(b.TempDir(), "data")
		copyDir(b, filled, dataDir)
		runtime.GC()
		rss0, heap0 := memstat.RSS(), memstat.HeapInUse()
		b.StartTimer()
		start := time.Now()
		br, err := teomq.NewBroker(teomq.BrokerConfig{
			Name: "broker", ConfigDir: configDir, DataDir: dataDir, Listen: "127.0.0.1:0",
			Logger: testLogger(), MaxQueueLen: 2 * n,
		})
		took += time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		rss1, heap1 := memstat.RSS(), memstat.HeapInUse()
		rss = max(rss, float64(rss1-rss0)/(1<<20))
		heap += float64(heap1-heap0) / (1 << 20)
		total = max(total, float64(rss1)/(1<<20))
		if q := br.QueueLen("bench"); q != n {
			b.Fatalf("restored %d messages, want %d", q, n)
		}
		checkFirstDelivered(b, br)
		br.Close()
		if err := os.RemoveAll(dataDir); err != nil {
			b.Fatal(err)
		}
	}
	// The heap's growth is the same at each start; the resident set grows
	// at the first only, as later starts reuse the memory the runtime
	// kept: rss-MB and total-rss-MB are their largest.
	per := float64(b.N)
	b.ReportMetric(took.Seconds()/per, "recover-s")
	b.ReportMetric(heap/per, "heap-MB")
	b.ReportMetric(rss, "rss-MB")
	b.ReportMetric(total, "total-rss-MB")
}

// checkFirstDelivered subscribes to "bench" on br and checks that the
// first message delivered is the oldest one stored.
func checkFirstDelivered(b *testing.B, br *teomq.Broker) {
	b.Helper()
	got := make(chan []byte, 1)
	c := mustConnect(b, br)
	defer c.Close()
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
}

// copyDir copies the regular files of the directory tree src to dst.
func copyDir(b *testing.B, src, dst string) {
	b.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		return copyFile(path, to)
	})
	if err != nil {
		b.Fatalf("copy %s: %v", src, err)
	}
}

// copyFile copies the file src to dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// fillStore writes n pending messages of command "bench" to a pebble store.
func fillStore(b *testing.B, dir string, n int) {
	b.Helper()
	fillStoreWith(b, dir, n, nil)
}

// fillStoreWith is fillStore with each message given to set before it
// is stored (nil: plain sends).
func fillStoreWith(b testing.TB, dir string, n int, set func(*store.Message)) {
	b.Helper()
	writeStore(b, dir, func(write func([]store.Op)) {
		const batch = 10_000
		ops := make([]store.Op, 0, batch)
		for i := range n {
			data := make([]byte, 128)
			copy(data, []byte(padSeq(i)))
			id := mustUUID(b)
			m := &store.Message{Command: "bench", Seq: uint64(i + 1), ID: id, From: "producer", Data: data}
			if set != nil {
				set(m)
			}
			ops = append(ops, store.Op{Kind: store.KindMessage, Msg: m})
			if len(ops) == batch || i == n-1 {
				write(ops)
				ops = ops[:0]
			}
		}
	})
}

// writeStore opens the pebble store in dir, lets fill write to it, and
// closes it.
func writeStore(b testing.TB, dir string, fill func(write func([]store.Op))) {
	b.Helper()
	s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Load(func(*store.Record) error { return nil }); err != nil {
		b.Fatal(err)
	}
	fill(func(ops []store.Op) {
		if err := s.Write(ops, false); err != nil {
			b.Fatal(err)
		}
	})
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
