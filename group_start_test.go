package teomq_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A group gets the messages published after it exists, across a restart
// too: a message stored before the group was made does not reach it after
// the broker restarts, while the group's own message comes back.
func TestGroupGetsOnlyLaterMessagesAcrossRestart(t *testing.T) {
	for _, d := range []teomq.Durability{teomq.DurabilitySync, teomq.DurabilityInterval} {
		t.Run(string(d), func(t *testing.T) {
			r := startRestartable(t, d)
			p := mustConnectTo(t, r.b.Endpoint())
			ctx := testCtx(t)
			if _, err := p.Send(ctx, "jobs", []byte("old")); err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 4)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			var held atomic.Bool
			// The first delivery stays in flight until the restart; c1 may
			// reconnect to the restarted broker and take the redelivery
			// on another of its handler slots.
			hold := func(_ context.Context, m *teomq.Message) ([]byte, error) {
				got <- string(m.Data)
				if held.CompareAndSwap(false, true) {
					<-release
				}
				return nil, nil
			}
			c1 := mustConnectTo(t, r.b.Endpoint())
			if _, err := c1.Subscribe("jobs", hold, teomq.Group("late"), teomq.Concurrency(4)); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Send(ctx, "jobs", []byte("new")); err != nil {
				t.Fatal(err)
			}
			if v := recv(t, got, "the message published after the group"); v != "new" {
				t.Fatalf("group late got %q before the restart, want only \"new\"", v)
			}
			r.restart()
			c2 := mustConnectTo(t, r.b.Endpoint())
			if _, err := c2.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
				got <- string(m.Data)
				return nil, nil
			}, teomq.Group("late")); err != nil {
				t.Fatal(err)
			}
			if v := recv(t, got, "the group's message after the restart"); v != "new" {
				t.Fatalf("group late got %q after the restart, want only \"new\"", v)
			}
			noRecv(t, got, 100*time.Millisecond, "a message published before the group existed")
		})
	}
}
