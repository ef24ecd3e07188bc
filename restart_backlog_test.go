package teomq_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A backlog of several thousand messages (more than a store block of
// progress records, 4,096 seqs) in two durable groups, one created
// midway, survives restarts with exact counts: right after each restart
// the broker reports what each group has left, read from the store's
// progress records, and each group then gets every message it takes once,
// in order, though the window holds 4.
func TestRestartCountsBacklogPerGroup(t *testing.T) {
	const window, n, lateFrom = 4, 9000, 5000
	r := startRestartableWith(t, teomq.DurabilityInterval, func(c *teomq.BrokerConfig) { c.Window = window })
	// Each step has its own deadline: the whole test (9,000 sends, three
	// restarts, two drains) may take longer than one in a loaded -race run.
	durable := func(group string) {
		c := mustConnectTo(t, r.b.Endpoint())
		defer c.Close()
		addDurableGroups(t, c, "jobs", group)
	}
	payload := func(i int) string { return fmt.Sprintf("message %05d", i) }
	send := func(from, to int) {
		ctx := testCtx(t)
		p := mustConnectTo(t, r.b.Endpoint())
		defer p.Close()
		for i := from; i < to; i++ {
			if _, err := p.Send(ctx, "jobs", []byte(payload(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	durable("work")
	send(0, lateFrom)
	durable("late") // takes the messages published from now on
	send(lateFrom, n)

	counts := func() (int, map[string]int) { return queueCounts(t, r.b.Endpoint(), "jobs") }
	check := func(when string, messages int, pending map[string]int) {
		t.Helper()
		checkQueueCounts(t, r.b.Endpoint(), "jobs", when, messages, pending)
	}
	drain := func(group string, from int) {
		t.Helper()
		got := make(chan string, n+1)
		c := mustConnectTo(t, r.b.Endpoint())
		defer c.Close()
		s, err := c.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data)
			return nil, nil
		}, teomq.Group(group), teomq.Concurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		for i := from; i < n; i++ {
			if v := recv(t, got, fmt.Sprintf("message %d of group %q", i, group)); v != payload(i) {
				t.Fatalf("group %q: message %d is %q, want %q", group, i, v, payload(i))
			}
		}
		// The handler has the last message before its answer is sent:
		// wait until the broker has every answer before leaving.
		waitFor(t, "the answers of group "+group, func() bool { _, left := counts(); return left[group] == 0 })
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			t.Fatalf("group %q got %q after its last message", group, <-got)
		}
	}

	r.restart()
	check("after the first restart", n, map[string]int{"work": n, "late": n - lateFrom})
	drain("late", lateFrom)
	r.restart()
	check("after the second restart", n, map[string]int{"work": n, "late": 0})
	drain("work", 0)
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("jobs") == 0 })
	r.restart()
	check("after the last restart", 0, map[string]int{"work": 0, "late": 0})
}

// A producer that sends again, after a restart, messages that wait in
// the store past the window (their confirms lost, say) does not queue
// them twice: the restart keeps the IDs of the messages past the window
// that it reads (here all of them: they fill less than a block).
func TestRestartDedupsMessagesPastTheWindow(t *testing.T) {
	const window, n = 4, 40
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	ctx := testCtx(t)
	pdir := t.TempDir()
	producer := func() *teomq.Client { // the same address across connections
		p, err := teomq.Connect(ctx, r.b.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(pdir), teomq.WithLogger(testLogger()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		return p
	}
	p := producer()
	ids := make([]teomq.MessageID, n)
	for i := range ids {
		ids[i] = mustUUID(t)
		if _, err := p.Send(ctx, "jobs", []byte("x"), teomq.WithID(ids[i])); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	r.restart()
	p = producer()
	for _, i := range []int{0, window, n / 2, n - 1} {
		if _, err := p.Send(ctx, "jobs", []byte("x"), teomq.WithID(ids[i])); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.b.QueueLen("jobs"); got != n {
		t.Fatalf("QueueLen %d after %d messages sent again past a restart, want %d", got, 4, n)
	}
}

// queueCounts returns the messages of command and each group's copies
// left (pending or in flight), as an operator reads them from the broker
// at endpoint.
func queueCounts(t *testing.T, endpoint, command string) (int, map[string]int) {
	t.Helper()
	c := mustConnectTo(t, endpoint)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	list, err := c.Commands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range list.Commands {
		if cmd.Name != command {
			continue
		}
		got := make(map[string]int)
		for _, g := range cmd.Groups {
			got[g.Name] = g.Pending + g.InFlight
		}
		return cmd.Messages, got
	}
	t.Fatalf("no command %s in %+v", command, list)
	return 0, nil
}

// checkQueueCounts fails the test unless command has messages messages
// and its groups the copies of pending left (queueCounts), saying when.
func checkQueueCounts(t *testing.T, endpoint, command, when string, messages int, pending map[string]int) {
	t.Helper()
	if m, got := queueCounts(t, endpoint, command); m != messages || fmt.Sprint(got) != fmt.Sprint(pending) {
		t.Fatalf("%s: %d messages, groups' pending %v; want %d, %v", when, m, got, messages, pending)
	}
}
