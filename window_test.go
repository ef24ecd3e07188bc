package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// A backlog 100 times the window, in two groups, survives a restart: the
// restarted broker counts it at once and each group gets every message
// once, in order, read back from the store in pages.
func TestWindowBacklogAcrossRestart(t *testing.T) {
	const window, n = 4, 400
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	c := mustConnectTo(t, r.b.Endpoint())
	addDurableGroups(t, c, "jobs", "work", "audit")
	c.Close()
	p := mustConnectTo(t, r.b.Endpoint())
	payload := func(i int) string { return fmt.Sprintf("message %04d", i) }
	sendAll(t, p, "jobs", n, payload)
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

// Requests and messages with a deadline past the window wait in the store
// in order with the plain sends around them, across a restart too: a
// consumer that comes later gets every message in publish order and each
// request its answer, and a request whose deadline passes in the store
// leaves the queue then, its producer told.
func TestWindowKeepsRequestsInOrderAcrossRestart(t *testing.T) {
	const window, n = 4, 24
	const expiring = n - 3 // a request with a short TTL, past the window
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	payload := func(i int) string { return fmt.Sprintf("message %04d", i) }
	type reply struct {
		i   int
		a   *teomq.Answer
		err error
	}
	replies := make(chan reply, n)
	requests := 0
	for i := range n {
		switch {
		case i%3 == 0 || i == expiring:
			ttl := time.Hour
			if i == expiring {
				ttl = 500 * time.Millisecond
			}
			requests++
			go func() {
				a, err := p.Request(ctx, "jobs", []byte(payload(i)), teomq.WithTTL(ttl))
				replies <- reply{i, a, err}
			}()
			waitFor(t, "the request to be queued", func() bool { return r.b.QueueLen("jobs") == i+1 })
		case i%3 == 1:
			if _, err := p.Send(ctx, "jobs", []byte(payload(i)), teomq.WithTTL(time.Hour)); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := p.Send(ctx, "jobs", []byte(payload(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rep := recv(t, replies, "the expiring request's outcome"); rep.i != expiring || !errors.Is(rep.err, teomq.ErrTimeout) {
		t.Fatalf("request %d: %v, want request %d to time out", rep.i, rep.err, expiring)
	}
	waitFor(t, "the expired request to leave the queue", func() bool { return r.b.QueueLen("jobs") == n-1 })
	r.restart()
	if got := r.b.QueueLen("jobs"); got != n-1 {
		t.Fatalf("QueueLen %d after the restart, want %d", got, n-1)
	}
	got := make(chan string, n)
	if _, err := mustConnectTo(t, r.b.Endpoint()).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return append([]byte("answer to "), m.Data...), nil
	}, teomq.Concurrency(1)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if i == expiring {
			continue
		}
		if v := recv(t, got, fmt.Sprintf("message %d", i)); v != payload(i) {
			t.Fatalf("delivery of message %d is %q, want %q", i, v, payload(i))
		}
	}
	for range requests - 1 {
		rep := recv(t, replies, "a request's answer")
		if rep.err != nil || string(rep.a.Data) != "answer to "+payload(rep.i) {
			t.Fatalf("request %d: %v, want its answer", rep.i, rep.err)
		}
	}
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("jobs") == 0 })
}

// A purge of a backlog past the window is one change of the store: a
// broker closed right after it finds none of the purged messages at its
// restart, and a consumer then gets only what was sent after.
func TestWindowPurgeIsWholeAcrossARestart(t *testing.T) {
	const window, n = 4, 3000
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	sendAll(t, p, "jobs", n, func(i int) string { return fmt.Sprint("old ", i) })
	if got, err := p.PurgeQueue(ctx, "jobs"); got != n || err != nil {
		t.Fatalf("PurgeQueue = %d, %v; want %d", got, err, n)
	}
	p.Close()
	r.restart()
	if got := r.b.QueueLen("jobs"); got != 0 {
		t.Fatalf("QueueLen %d after the restart, want 0", got)
	}
	p = mustConnectTo(t, r.b.Endpoint())
	if _, err := p.Send(ctx, "jobs", []byte("new")); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, n)
	if _, err := p.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got, "the message sent after the purge"); v != "new" {
		t.Fatalf("first message after the restart %q, want the one sent after the purge", v)
	}
	noRecv(t, got, 100*time.Millisecond, "a purged message")
}

// Deleting the group that took the start of a backlog past the window
// leaves the rest to a group made later: it gets every message published
// after it existed (the whole backlog was purged with the first group).
func TestWindowDeleteGroupKeepsALaterGroupsBacklog(t *testing.T) {
	const window, n = 4, 40
	b := mustStartBroker(t, teomq.BrokerConfig{Durability: teomq.DurabilitySync, DataDir: t.TempDir(), Window: window})
	c := mustConnect(t, b)
	ctx := testCtx(t)
	addDurableGroups(t, c, "jobs", "old")
	for i := range 2 * n {
		if i == n {
			addDurableGroups(t, c, "jobs", "new")
		}
		if _, err := c.Send(ctx, "jobs", []byte(fmt.Sprint("message ", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteGroup(ctx, "jobs", "old"); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2*n)
	if _, err := c.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}, teomq.Group("new"), teomq.Concurrency(1)); err != nil {
		t.Fatal(err)
	}
	for i := n; i < 2*n; i++ {
		if v := recv(t, got, fmt.Sprint("the new group's message ", i)); v != fmt.Sprint("message ", i) {
			t.Fatalf("the new group got %q, want message %d", v, i)
		}
	}
	waitFor(t, "the queue to drain", func() bool { return b.QueueLen("jobs") == 0 })
}

// A restart after a queue drained keeps the next backlog in the store: its
// messages continue the command's Seqs, so the restart after reads only
// the window of them (they took Seqs the store had finished, and it kept
// them apart and read them all at each start).
func TestWindowBacklogAfterADrainStaysInTheStore(t *testing.T) {
	const window, n = 4, 300
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	p := mustConnectTo(t, r.b.Endpoint())
	got := make(chan string, n)
	s, err := p.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, p, "jobs", n, func(i int) string { return fmt.Sprint("first ", i) })
	for i := range n {
		recv(t, got, fmt.Sprint("first message ", i))
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("jobs") == 0 })
	p.Close()
	r.restart()
	p = mustConnectTo(t, r.b.Endpoint())
	sendAll(t, p, "jobs", n, func(i int) string { return fmt.Sprint("second ", i) })
	p.Close()
	if err := r.b.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := pebblestore.OpenPebble(r.cfg.DataDir, pebblestore.PebbleOptions{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	full, counted := 0, 0
	err = st.LoadHead(window, func(flags uint8, deadline int64) bool { return flags == 0 && deadline == 0 }, func(rec *store.Record) error {
		switch rec.Kind {
		case store.KindMessage:
			full++
		case store.KindTail:
			counted += rec.Count
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil || full+counted != n || full > window {
		t.Fatalf("a restart would read %d messages in full and count %d (%v); want %d, at most %d of them in full", full, counted, err, n, window)
	}
	r.start() // for the test's cleanup
}

// A durable group whose consumer is away while another group drains the
// queue gets every message when it comes back, in order, after a restart
// too: its copies waited in the store, not in the broker's memory.
func TestWindowAbsentGroupGetsTheBacklogAfterADrainAndARestart(t *testing.T) {
	const window, n = 4, 300
	r := startRestartableWith(t, teomq.DurabilitySync, func(c *teomq.BrokerConfig) { c.Window = window })
	c := mustConnectTo(t, r.b.Endpoint())
	addDurableGroups(t, c, "jobs", "work", "audit")
	payload := func(i int) string { return fmt.Sprintf("message %04d", i) }
	consume := func(g string) {
		t.Helper()
		got := make(chan string, n)
		s, err := mustConnectTo(t, r.b.Endpoint()).Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data)
			return nil, nil
		}, teomq.Group(g), teomq.Concurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if v := recv(t, got, fmt.Sprintf("message %d of group %q", i, g)); v != payload(i) {
				t.Fatalf("group %q: message %d is %q, want %q", g, i, v, payload(i))
			}
		}
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
	}
	sendAll(t, c, "jobs", n, payload)
	c.Close()
	consume("work")
	if got := r.b.QueueLen("jobs"); got != n {
		t.Fatalf("QueueLen %d after group work drained, want group audit's %d", got, n)
	}
	r.restart()
	if got := r.b.QueueLen("jobs"); got != n {
		t.Fatalf("QueueLen %d after the restart, want %d", got, n)
	}
	consume("audit")
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("jobs") == 0 })
}
