package router_test

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func benchID(i int) router.ID {
	var id router.ID
	binary.BigEndian.PutUint64(id[8:], uint64(i)+1)
	return id
}

// BenchmarkCycle measures one message's whole way through the router:
// Admit, Commit (which delivers it), and the consumer's Reply, which
// routes the result to the producer and acks it. subs consumers share the
// command; about subs messages are in flight at any time, so the choice
// of the least loaded consumer is part of the cost.
func BenchmarkCycle(b *testing.B) {
	for _, subs := range []int{1, 64} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) {
			benchCycle(b, subs)
		})
	}
}

func benchCycle(b *testing.B, subs int) {
	r := router.New(router.Config{DedupWindow: time.Millisecond})
	now := t0
	r.Connect(now, 1, "producer")
	for i := range subs {
		c := router.ConnID(10 + i)
		r.Connect(now, c, fmt.Sprint("consumer", i))
		if _, err := r.Subscribe(now, c, 1, "cmd", router.DefaultGroup, 4, false); err != nil {
			b.Fatal(err)
		}
	}
	window := subs                             // deliveries left in flight
	msgs := make([]router.Message, 2*window+8) // reused once finished
	data, reply := make([]byte, 128), []byte("ok")
	var inflight []router.Action
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := &msgs[i%len(msgs)]
		*m = router.Message{ID: benchID(i), Command: "cmd", From: "producer", Request: true, Data: data}
		if _, err := r.Admit(now, 1, m); err != nil {
			b.Fatal(err)
		}
		for _, a := range r.Commit(now, m) {
			if a.Kind == router.ActDeliver {
				inflight = append(inflight, a)
			}
		}
		if len(inflight) > window {
			d := inflight[0]
			inflight = append(inflight[:0], inflight[1:]...)
			if _, err := r.Answer(now, d.Conn, d.Msg.ID, d.Attempt, router.Reply, reply); err != nil {
				b.Fatal(err)
			}
		}
		if i%1024 == 1023 {
			now = now.Add(2 * time.Millisecond) // lets dedup entries expire
			r.Tick(now)
		}
	}
}

// BenchmarkBaseline is the least bookkeeping any router does per message,
// for scale: insert the ID in a map, push to and pop from a FIFO, delete
// the ID.
func BenchmarkBaseline(b *testing.B) {
	live := make(map[router.ID]*router.Message)
	var fifo []*router.Message
	msgs := make([]router.Message, 64)
	b.ReportAllocs()
	for i := range b.N {
		m := &msgs[i%len(msgs)]
		*m = router.Message{ID: benchID(i), Command: "cmd"}
		live[m.ID] = m
		fifo = append(fifo, m)
		if len(fifo) > 16 {
			delete(live, fifo[0].ID)
			fifo = append(fifo[:0], fifo[1:]...)
		}
	}
}

// BenchmarkPending1M queues 1,000,000 messages with no consumer and
// reports the router's heap per pending message (the Messages themselves
// excluded, allocated beforehand), the time per Admit+Commit, and the time
// per message for a consumer to drain the backlog. Run with -benchtime=1x.
func BenchmarkPending1M(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		b.StopTimer()
		msgs := make([]router.Message, n)
		for i := range msgs {
			msgs[i] = router.Message{ID: benchID(i), Command: "cmd", From: "producer", Request: true}
		}
		now := t0
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()

		start := time.Now()
		r := router.New(router.Config{})
		for i := range msgs {
			if _, err := r.Admit(now, 1, &msgs[i]); err != nil {
				b.Fatal(err)
			}
			r.Commit(now, &msgs[i])
		}
		queued := time.Since(start)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if r.QueueLen("cmd") != n {
			b.Fatalf("QueueLen %d", r.QueueLen("cmd"))
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "router-B/msg")
		b.ReportMetric(float64(queued.Nanoseconds())/n, "queue-ns/msg")
		b.StartTimer()

		start = time.Now()
		r.Connect(now, 1, "producer")
		acts, _ := r.Subscribe(now, 10, 1, "cmd", router.DefaultGroup, 1, false)
		for done := 0; done < n; done++ {
			d := acts[len(acts)-1]
			if d.Kind != router.ActDeliver {
				b.Fatalf("no delivery after %d", done)
			}
			acts, _ = r.Answer(now, d.Conn, d.Msg.ID, d.Attempt, router.Reply, nil)
		}
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/n, "drain-ns/msg")
		runtime.KeepAlive(msgs)
	}
}

// BenchmarkPastWindow1M queues 1,000,000 messages with no consumer past a
// window of 4,096 and reports the router's heap per message (the Messages
// themselves excluded): for a plain send, its ID in the dedup window
// (kept for Config.DedupWindow); for a request, its record. Run with
// -benchtime=1x.
func BenchmarkPastWindow1M(b *testing.B) {
	const n = 1_000_000
	for _, request := range []bool{false, true} {
		name := "sends"
		if request {
			name = "requests"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				msgs := make([]router.Message, n)
				for i := range msgs {
					msgs[i] = router.Message{ID: benchID(i), Command: "cmd", From: "producer", Request: request}
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				r := router.New(router.Config{Window: 4096})
				for i := range msgs {
					if _, err := r.Admit(t0, 1, &msgs[i]); err != nil {
						b.Fatal(err)
					}
					r.Commit(t0, &msgs[i])
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if r.QueueLen("cmd") != n {
					b.Fatalf("QueueLen %d", r.QueueLen("cmd"))
				}
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "router-B/msg")
				runtime.KeepAlive(r)
				runtime.KeepAlive(msgs)
			}
		})
	}
}
