package teomq_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/teonet-go/teomq"
)

// payloadSizes are a payload that lies in a channel's read buffer and one
// too large for it, which arrives in a buffer of its own.
var payloadSizes = []int{100, 100 << 10}

// uniform reports whether p is n bytes, all b.
func uniform(p []byte, n int, b byte) bool {
	return len(p) == n && bytes.Count(p, []byte{b}) == n
}

// Messages queued at the broker and handed to a handler keep their bytes
// while later frames arrive: neither the broker's queue nor a handler that
// keeps Message.Data sees them overwritten.
func TestQueuedAndHandledPayloadsKeepTheirBytes(t *testing.T) {
	for _, size := range payloadSizes {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			b := mustStartBroker(t, teomq.BrokerConfig{})
			p := mustConnect(t, b)
			const count = 10
			payload := make([]byte, size)
			for i := range count { // queued while no consumer is there
				for j := range payload {
					payload[j] = 'A' + byte(i)
				}
				if _, err := p.Send(testCtx(t), "keep", payload); err != nil {
					t.Fatal(err)
				}
			}
			var (
				mu   sync.Mutex
				kept [][]byte // each handler's Message.Data, not copied
				all  = make(chan struct{})
			)
			c := mustConnect(t, b)
			_, err := c.Subscribe("keep", func(_ context.Context, m *teomq.Message) ([]byte, error) {
				mu.Lock()
				defer mu.Unlock()
				if kept = append(kept, m.Data); len(kept) == count {
					close(all)
				}
				return nil, nil
			}, teomq.Concurrency(4))
			if err != nil {
				t.Fatal(err)
			}
			recv(t, all, "all deliveries")
			mu.Lock()
			defer mu.Unlock()
			seen := map[byte]bool{}
			for _, data := range kept {
				if len(data) == 0 || !uniform(data, size, data[0]) || seen[data[0]] {
					t.Fatalf("kept payload overwritten: %d bytes starting %.20q; seen %v", len(data), data, seen)
				}
				seen[data[0]] = true
			}
		})
	}
}

// An answer a producer keeps keeps its bytes while later answers arrive,
// and a producer may reuse its payload buffer once Request returns.
func TestAnswersKeepTheirBytes(t *testing.T) {
	for _, size := range payloadSizes {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			b := mustStartBroker(t, teomq.BrokerConfig{})
			c := mustConnect(t, b)
			if _, err := c.Subscribe("echo", echo, teomq.Concurrency(4)); err != nil {
				t.Fatal(err)
			}
			p := mustConnect(t, b)
			payload := make([]byte, size)
			var first []byte
			for i := range 20 {
				fill := 'a' + byte(i)
				for j := range payload {
					payload[j] = fill
				}
				ans, err := p.Request(testCtx(t), "echo", payload)
				if err != nil {
					t.Fatal(err)
				}
				if !uniform(ans.Data, size, fill) {
					t.Fatalf("answer %d: %d bytes starting %.20q, want %d of %q", i, len(ans.Data), ans.Data, size, fill)
				}
				if first == nil {
					first = ans.Data
				}
			}
			if !uniform(first, size, 'a') {
				t.Fatalf("first answer overwritten by later ones: starts %.20q", first)
			}
		})
	}
}
