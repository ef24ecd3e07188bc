package teomq_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/teonet-go/teomq"
)

// A backlog far past ResidentBytes keeps most payloads in the store only;
// consumers still get every message once, in order, with its own payload,
// in each group, and OnPublish sees every payload.
func TestPagedBacklogDeliversEveryPayload(t *testing.T) {
	for _, d := range []teomq.Durability{teomq.DurabilitySync, teomq.DurabilityInterval} {
		t.Run(string(d), func(t *testing.T) {
			const n = 300
			var mu sync.Mutex
			notified := make(map[string]bool)
			b := mustStartBroker(t, teomq.BrokerConfig{
				Durability: d, DataDir: t.TempDir(), ResidentBytes: 1000,
				OnPublish: func(p teomq.PublishInfo) {
					mu.Lock()
					notified[string(p.Data)] = true
					mu.Unlock()
				},
			})
			payload := func(i int) string { return fmt.Sprintf("message %04d %0100d", i, i) }
			c := mustConnect(t, b)
			addDurableGroups(t, c, "jobs", "work", "audit")
			p := mustConnect(t, b)
			ctx := testCtx(t)
			for i := range n {
				if _, err := p.Send(ctx, "jobs", []byte(payload(i))); err != nil {
					t.Fatal(err)
				}
			}
			for _, g := range []string{"work", "audit"} {
				got := make(chan string, n)
				if _, err := mustConnect(t, b).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
					got <- string(m.Data)
					return nil, nil
				}, teomq.Group(g), teomq.Concurrency(1)); err != nil {
					t.Fatal(err)
				}
				for i := range n {
					if v := recv(t, got, fmt.Sprintf("message %d of group %q", i, g)); v != payload(i) {
						t.Fatalf("group %q: message %d is %.20q, want %.20q", g, i, v, payload(i))
					}
				}
			}
			waitFor(t, "the queue to drain", func() bool { return b.QueueLen("jobs") == 0 })
			mu.Lock()
			defer mu.Unlock()
			for i := range n {
				if !notified[payload(i)] {
					t.Fatalf("OnPublish did not see the payload of message %d", i)
				}
			}
		})
	}
}
