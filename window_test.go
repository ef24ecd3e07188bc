package teomq_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq"
)

// A backlog 100 times the window, in two groups, survives a restart: the
// restarted broker counts it at once and each group gets every message
// once, in order, read back from the store a window at a time.
func TestWindowBacklogAcrossRestart(t *testing.T) {
	const window, n = 4, 400
	r := startRestartable(t, teomq.DurabilitySync)
	r.cfg.Window = window
	r.restart()
	c := mustConnectTo(t, r.b.Endpoint())
	for _, g := range []string{"work", "audit"} {
		s, err := c.Subscribe("jobs", echo, teomq.Group(g))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(); err != nil { // the durable group stays, with no consumer
			t.Fatal(err)
		}
	}
	c.Close()
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	payload := func(i int) string { return fmt.Sprintf("message %04d", i) }
	for i := range n {
		if _, err := p.Send(ctx, "jobs", []byte(payload(i))); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if got := r.b.QueueLen("jobs"); got != n {
		t.Fatalf("QueueLen %d before the restart, want %d", got, n)
	}
	r.restart()
	if got := r.b.QueueLen("jobs"); got != n {
		t.Fatalf("QueueLen %d after the restart, want %d", got, n)
	}
	for _, g := range []string{"work", "audit"} {
		got := make(chan string, n)
		if _, err := mustConnectTo(t, r.b.Endpoint()).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data)
			return nil, nil
		}, teomq.Group(g), teomq.Concurrency(1)); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if v := recv(t, got, fmt.Sprintf("message %d of group %q", i, g)); v != payload(i) {
				t.Fatalf("group %q: message %d is %q, want %q", g, i, v, payload(i))
			}
		}
	}
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("jobs") == 0 })
}
