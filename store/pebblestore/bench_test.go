package pebblestore_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq/internal/fsfloor"
	"github.com/teonet-go/teomq/internal/memstat"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

var benchWriters = []int{1, 16, 64}

// BenchmarkAppendSync appends 128-byte messages to one command with
// sync=true from concurrent writers, as a broker confirming publishes
// does. Seqs come from a shared counter, so they reach the store slightly
// out of order, as they do from the router.
func BenchmarkAppendSync(b *testing.B) {
	for _, writers := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openPebble(b, b.TempDir(), pebblestore.PebbleOptions{})
			load(b, s)
			var seq atomic.Uint64
			data := bytes.Repeat([]byte{'x'}, 128)
			runWriters(b, writers, func() error {
				n := seq.Add(1)
				m := &store.Message{Command: "bench", Seq: n, ID: msgID("bench", n), From: "producer", Data: data}
				return s.Write([]store.Op{{Kind: store.KindMessage, Msg: m}}, true)
			})
		})
	}
}

// BenchmarkFileAppendFdatasync is the floor BenchmarkAppendSync is measured
// against: writers hand 128-byte records to one committer goroutine, which
// appends all pending records to a file with one write, fdatasyncs once,
// and releases their writers.
func BenchmarkFileAppendFdatasync(b *testing.B) {
	for _, writers := range benchWriters {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			c, err := fsfloor.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Stop()
			data := bytes.Repeat([]byte{'x'}, 128)
			runWriters(b, writers, func() error { return c.Append(data) })
		})
	}
}

// runWriters calls write b.N times in total from n goroutines and reports
// the rate.
func runWriters(b *testing.B, n int, write func() error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	for range n {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := write(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRecover1M measures OpenPebble + Load of 1,000,000 pending
// 128-byte messages, written after another 1,000,000 were appended and
// drained (the tombstones a drained backlog leaves). It reports the time
// and the growth of the heap and of the resident set. Run it with
// -benchtime=1x: the setup writes 3 million ops.
func BenchmarkRecover1M(b *testing.B) {
	const n, batch = 1_000_000, 1_000
	dir := b.TempDir()
	s := openPebble(b, dir, pebblestore.PebbleOptions{})
	load(b, s)
	data := bytes.Repeat([]byte{'x'}, 128)
	ops := make([]store.Op, batch)
	write := func(from uint64, ack bool) {
		for i := range ops {
			seq := from + uint64(i)
			if ack {
				ops[i] = store.Op{Kind: store.KindAck, Command: "bench", Seq: seq, Last: true}
			} else {
				ops[i] = store.Op{Kind: store.KindMessage, Msg: &store.Message{
					Command: "bench", Seq: seq, ID: msgID("bench", seq), From: "producer", Data: data}}
			}
		}
		mustWrite(b, s, false, ops...)
	}
	for from := uint64(1); from <= n; from += batch {
		write(from, false)
	}
	for from := uint64(1); from <= n; from += batch {
		write(from, true)
	}
	for from := uint64(n + 1); from <= 2*n; from += batch {
		write(from, false)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		heap0, rss0 := memstat.HeapInUse(), memstat.RSS()
		start := time.Now()
		s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		count, next := 0, uint64(n+1)
		err = s.Load(func(r *store.Record) error {
			if r.Kind == store.KindMessage {
				if r.Msg.Seq != next {
					return fmt.Errorf("seq %d, want %d", r.Msg.Seq, next)
				}
				next++
				count++
			}
			return nil
		})
		elapsed := time.Since(start)
		if err != nil || count != n {
			b.Fatalf("Load: %v; %d messages, want %d", err, count, n)
		}
		runtime.GC()
		b.ReportMetric(float64(elapsed.Milliseconds()), "ms/recover")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(memstat.HeapInUse()-heap0)/(1<<20), "heap-MB")
		b.ReportMetric(float64(memstat.RSS()-rss0)/(1<<20), "rss-MB")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestartHead measures a restart with TEOMQ_BENCH_PENDING
// (default 1,000,000) pending 128-byte messages on one command, as a
// broker with the default window does it: OpenPebble, LoadHead with a
// head of 4,096, and the first page of the tail read back. It reports the
// time and the growth of the resident set. Run it with -benchtime=1x.
func BenchmarkRestartHead(b *testing.B) {
	n := uint64(1_000_000)
	if v, err := strconv.ParseUint(os.Getenv("TEOMQ_BENCH_PENDING"), 10, 64); err == nil && v > 0 {
		n = v
	}
	const batch, head = 1_000, 4096
	dir := b.TempDir()
	s := openPebble(b, dir, pebblestore.PebbleOptions{})
	load(b, s)
	data := bytes.Repeat([]byte{'x'}, 128)
	ops := make([]store.Op, batch)
	for from := uint64(1); from <= n; from += batch {
		ops = ops[:0]
		for seq := from; seq < from+batch && seq <= n; seq++ {
			ops = append(ops, store.Op{Kind: store.KindMessage, Msg: &store.Message{
				Command: "bench", Seq: seq, ID: msgID("bench", seq), From: "producer", Data: data}})
		}
		mustWrite(b, s, false, ops...)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		rss0 := memstat.RSS()
		start := time.Now()
		s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Since(start)
		var full, tail int
		err = s.LoadHead(head, func(flags uint8, deadline int64) bool { return flags == 0 && deadline == 0 }, func(r *store.Record) error {
			switch r.Kind {
			case store.KindMessage:
				full++
			case store.KindTail:
				tail += r.Count
			}
			return nil
		})
		if err != nil || uint64(full+tail) != n {
			b.Fatalf("LoadHead: %v; %d messages in full and %d counted, want %d", err, full, tail, n)
		}
		if _, err := s.ReadMessages("bench", uint64(full)+1, head); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		runtime.GC()
		b.ReportMetric(float64(opened.Microseconds())/1000, "ms/open")
		b.ReportMetric(float64(elapsed.Microseconds())/1000, "ms/restart")
		b.ReportMetric(float64(memstat.RSS()-rss0)/(1<<20), "rss-MB")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
