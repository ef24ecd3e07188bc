package teomq_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// restartable is a broker on a fixed data dir and port that a test can
// close and start again.
type restartable struct {
	t   *testing.T
	cfg teomq.BrokerConfig
	b   *teomq.Broker
}

func startRestartable(t *testing.T, d teomq.Durability) *restartable {
	t.Helper()
	return startRestartableWith(t, d, func(*teomq.BrokerConfig) {})
}

// startRestartableWith is startRestartable with the config set changes.
func startRestartableWith(t *testing.T, d teomq.Durability, set func(*teomq.BrokerConfig)) *restartable {
	t.Helper()
	dir := t.TempDir()
	r := &restartable{t: t, cfg: teomq.BrokerConfig{
		Name: "broker", ConfigDir: dir, DataDir: filepath.Join(dir, "data"),
		Listen: "127.0.0.1:0", Durability: d, Logger: testLogger(),
	}}
	set(&r.cfg)
	r.start()
	t.Cleanup(func() { r.b.Close() })
	return r
}

func (r *restartable) start() {
	r.t.Helper()
	b, err := teomq.NewBroker(r.cfg)
	if err != nil {
		r.t.Fatalf("start broker: %v", err)
	}
	r.b = b
	r.cfg.Listen = b.Addr().String() // the same port after a restart
}

func (r *restartable) restart() {
	r.t.Helper()
	if err := r.b.Close(); err != nil {
		r.t.Fatalf("close broker: %v", err)
	}
	r.start()
}

func TestRestartKeepsQueuedMessages(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	for _, d := range []string{"a", "b", "c"} {
		if _, err := p.Send(ctx, "jobs", []byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	r.restart()
	got := make(chan string, 3)
	c := mustConnectTo(t, r.b.Endpoint())
	if _, err := c.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a", "b", "c"} {
		if v := recv(t, got, "message stored before the restart"); v != want {
			t.Fatalf("got %q, want %q (FIFO across restart)", v, want)
		}
	}
	noRecv(t, got, 50*time.Millisecond, "extra message")
}

func TestRestartRequeuesInFlightWithNextAttempt(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	attempts := make(chan int, 4)
	c := mustConnectTo(t, r.b.Endpoint())
	if _, err := c.Subscribe("work", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		attempts <- m.Attempt
		if m.Attempt == 1 {
			<-ctx.Done() // the broker goes away before the answer
			return nil, ctx.Err()
		}
		return []byte("done"), nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	p := mustConnectTo(t, r.b.Endpoint())
	if _, err := p.Send(testCtx(t), "work", nil); err != nil {
		t.Fatal(err)
	}
	if a := recv(t, attempts, "first delivery"); a != 1 {
		t.Fatalf("first attempt %d", a)
	}
	r.restart()
	if a := recv(t, attempts, "delivery after restart"); a != 2 {
		t.Fatalf("attempt after restart %d, want 2", a)
	}
}

func TestRestartKeepsDedupAndMailbox(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	ctx := testCtx(t)

	// Dedup: a message sent before the restart and retried after it is
	// stored once.
	var calls atomic.Int64
	pdir := t.TempDir()
	connectProducer := func(opts ...teomq.Option) *teomq.Client {
		all := append([]teomq.Option{teomq.WithName("producer"), teomq.WithConfigDir(pdir), teomq.WithLogger(testLogger())}, opts...)
		p, err := teomq.Connect(ctx, r.b.Endpoint(), all...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := connectProducer()
	id := mustUUID(t)
	if _, err := p.Send(ctx, "once", []byte("x"), teomq.WithID(id)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	r.restart()
	p = connectProducer()
	if _, err := p.Send(ctx, "once", []byte("x"), teomq.WithID(id)); err != nil {
		t.Fatal(err)
	}

	// Mailbox: an answer that arrives while its producer is away waits for
	// it across a broker restart.
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	c := mustConnectTo(t, r.b.Endpoint())
	if _, err := c.Subscribe("once", func(context.Context, *teomq.Message) ([]byte, error) {
		calls.Add(1)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscribe("slow", func(context.Context, *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-release
		return []byte("kept for you"), nil
	}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	go p.Request(rctx, "slow", nil) //nolint:errcheck // abandoned on purpose
	recv(t, started, "delivery of the request")
	conns := r.b.Stats().Connections
	// The producer goes away without giving up on the request: a cancel
	// sent first would tell the broker to drop the answer.
	p.Close()
	cancel()
	waitFor(t, "the broker to notice the producer left", func() bool { return r.b.Stats().Connections == conns-1 })
	close(release)
	waitFor(t, "the answer to reach the broker", func() bool { return r.b.QueueLen("slow") == 0 })
	r.restart()

	orphans := make(chan string, 1)
	p = connectProducer(teomq.WithOrphanAnswers(func(a *teomq.Answer, err error) {
		if err == nil {
			orphans <- string(a.Data)
		}
	}))
	defer p.Close()
	if v := recv(t, orphans, "mailbox answer after restart"); v != "kept for you" {
		t.Fatalf("mailbox answer %q", v)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("message with one ID handled %d times across a restart, want 1", n)
	}
}
