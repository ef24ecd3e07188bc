package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// One group's progress at a restart does not cost another group its
// messages or their order: with a backlog past the window in two groups,
// "work" holds one message in flight and has dead-lettered another when
// the broker restarts. "audit", which was away, then gets every message
// once, in publish order but for the dead letter (a group's dead letter
// keeps its message in memory, ahead of the backlog in the store); "work"
// gets the message it held again, and the rest of its backlog.
func TestRestartKeepsAnotherGroupsBacklogInOrder(t *testing.T) {
	const window, n = 4, 40
	const dead, held = 12, 30
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window, c.MaxDeliveries = window, 2 })
	c := mustConnectTo(t, r.b.Endpoint())
	addDurableGroups(t, c, "jobs", "work", "audit")
	payload := func(i int) string { return fmt.Sprintf("message %04d", i) }
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	sendAll(t, p, "jobs", n, payload)
	reached := make(chan struct{})
	if _, err := c.Subscribe("jobs", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		switch string(m.Data) {
		case payload(dead):
			return nil, teomq.Retry(errors.New("cannot do it"))
		case payload(held):
			close(reached)
			<-ctx.Done() // in flight until the broker goes
			return nil, ctx.Err()
		}
		return nil, nil
	}, teomq.Group("work"), teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	recv(t, reached, "work's delivery of the held message")
	waitFor(t, "work's dead letter", func() bool {
		l, err := c.DeadLetters(ctx, "jobs")
		return err == nil && l.Total == 1
	})
	r.restart()
	c.Close()

	// take subscribes a consumer of group and returns what it got once the
	// group's backlog is drained.
	admin := mustConnectTo(t, r.b.Endpoint())
	take := func(group string) []string {
		got := make(chan string, 2*n)
		if _, err := mustConnectTo(t, r.b.Endpoint()).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data)
			return nil, nil
		}, teomq.Group(group), teomq.Concurrency(1)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, group+"'s backlog to drain", func() bool { return groupLeft(t, admin, "jobs", group) == 0 })
		var out []string
		for len(got) > 0 {
			out = append(out, <-got)
		}
		return out
	}
	var want []string
	for i := range n {
		if i != dead {
			want = append(want, payload(i))
		}
	}
	got := take("audit")
	if i := slices.Index(got, payload(dead)); i < 0 {
		t.Fatalf("audit did not get the message work dead-lettered: %q", got)
	} else if got = slices.Delete(got, i, i+1); !slices.Equal(got, want) {
		t.Fatalf("audit got %q, want %q and the dead letter", got, want)
	}
	// work had done the messages before the one it held but for the dead
	// letter, and maybe some after it.
	if got := take("work"); len(got) == 0 || got[0] != payload(held) || !slices.Equal(got[1:], want[len(want)-len(got)+1:]) {
		t.Fatalf("work got %q after the restart, want %q, then the end of %q", got, payload(held), want[held:])
	}
}

// groupLeft is how many messages group of command has pending or in
// flight, as admin lists them.
func groupLeft(t *testing.T, admin *teomq.Client, command, group string) int {
	t.Helper()
	l, err := admin.Commands(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range l.Commands {
		for _, g := range c.Groups {
			if c.Name == command && g.Name == group {
				return g.Pending + g.InFlight
			}
		}
	}
	return 0
}

// A request answered by its answer group while another group still holds
// its copy keeps its result across a restart: when that copy's deadline
// passes after the restart, the producer, which has its answer, gets no
// second result (a timeout).
func TestRestartKeepsTheResultOfARequestOtherGroupsHold(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	c := mustConnectTo(t, r.b.Endpoint())
	addDurableGroups(t, c, "jobs", "work", "audit")
	if _, err := c.Subscribe("jobs", func(context.Context, *teomq.Message) ([]byte, error) {
		return []byte("done"), nil
	}, teomq.Group("work")); err != nil {
		t.Fatal(err)
	}
	orphans := make(chan error, 4)
	p := mustConnectTo(t, r.b.Endpoint(), teomq.WithOrphanAnswers(func(_ *teomq.Answer, err error) { orphans <- err }))
	ctx := testCtx(t)
	ans, err := p.Request(ctx, "jobs", []byte("job"), teomq.AnswerGroup("work"), teomq.WithTTL(time.Second))
	if err != nil || string(ans.Data) != "done" {
		t.Fatalf("request: %v, %v; want work's answer", ans, err)
	}
	c.Close()
	r.restart()
	// audit's copy times out at the request's deadline and leaves the queue.
	waitFor(t, "audit's copy to time out", func() bool { return r.b.QueueLen("jobs") == 0 })
	// A result routed then reaches the producer before the confirm of a
	// later send on its connection.
	if _, err := p.Send(ctx, "other", nil); err != nil {
		t.Fatal(err)
	}
	noRecv(t, orphans, 200*time.Millisecond, "a second result after the restart")
}
