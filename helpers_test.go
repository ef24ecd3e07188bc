package teomq_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/teonet-go/teomq"
)

// testLogger discards logs unless TEOMQ_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TEOMQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// mustStartBroker starts a broker on 127.0.0.1:0 with its identity and data
// in a temp dir, closed when the test ends.
func mustStartBroker(t testing.TB, cfg teomq.BrokerConfig) *teomq.Broker {
	t.Helper()
	if cfg.ConfigDir == "" {
		cfg.ConfigDir = t.TempDir()
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Durability == "" && cfg.Store == nil {
		cfg.Durability = teomq.DurabilityMemory
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	b, err := teomq.NewBroker(cfg)
	if err != nil {
		t.Fatalf("NewBroker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

var clientSeq atomic.Int64

// mustConnect connects a client with a fresh identity to b.
func mustConnect(t testing.TB, b *teomq.Broker, opts ...teomq.Option) *teomq.Client {
	t.Helper()
	name := fmt.Sprintf("client-%d", clientSeq.Add(1))
	all := append([]teomq.Option{teomq.WithName(name), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger())}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, b.Endpoint(), all...)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testCtx is a context bounded for one test step.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// echo answers with the message's data.
func echo(_ context.Context, m *teomq.Message) ([]byte, error) { return m.Data, nil }

// recv waits for one value from ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// noRecv checks that nothing arrives on ch for d.
func noRecv[T any](t testing.TB, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(d):
	}
}

// mustUUID makes a fresh message ID.
func mustUUID(t testing.TB) uuid.UUID {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, 10*time.Second, what, cond)
}

// waitForWithin polls cond until it holds, for at most d.
func waitForWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sendAll sends n messages of command through p, the i-th with payload(i).
func sendAll(t testing.TB, p *teomq.Client, command string, n int, payload func(int) string) {
	t.Helper()
	ctx := testCtx(t)
	for i := range n {
		if _, err := p.Send(ctx, command, []byte(payload(i))); err != nil {
			t.Fatal(err)
		}
	}
}

// addDurableGroups creates groups of command through c, each durable and
// left with no consumer: subscribed once, then unsubscribed.
func addDurableGroups(t testing.TB, c *teomq.Client, command string, groups ...string) {
	t.Helper()
	for _, g := range groups {
		s, err := c.Subscribe(command, echo, teomq.Group(g))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(); err != nil { // the durable group stays
			t.Fatal(err)
		}
	}
}
