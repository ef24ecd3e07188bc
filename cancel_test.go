package teomq_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A request given up before any consumer took it leaves the queue: a
// consumer that comes later never gets it.
func TestCancelledRequestLeavesTheQueue(t *testing.T) {
	stored := make(chan teomq.PublishInfo, 4)
	b := mustStartBroker(t, teomq.BrokerConfig{OnPublish: func(p teomq.PublishInfo) { stored <- p }})
	p := mustConnect(t, b)
	ctx, cancel := context.WithCancel(testCtx(t))
	res := make(chan error, 1)
	go func() {
		_, err := p.Request(ctx, "nobody", []byte("given up"))
		res <- err
	}()
	recv(t, stored, "the request stored")
	cancel()
	if err := recv(t, res, "Request to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Request: %v, want context.Canceled", err)
	}
	waitFor(t, "the cancelled request to leave the queue", func() bool { return b.QueueLen("nobody") == 0 })

	got := make(chan string, 4)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("nobody", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(testCtx(t), "nobody", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if first := recv(t, got, "the marker"); first != "marker" {
		t.Fatalf("the consumer got %q first, want the marker: the cancelled request was delivered", first)
	}
}

// warnings records log records at Warn and above.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, r.Message)
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// A request being handled when its producer gives up has its handler's
// context cancelled at the consumer; the handler's late answer is dropped
// without an error on either side, and the consumer serves on.
func TestCancelReachesTheHandler(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	var consLog warnings
	cons := mustConnect(t, b, teomq.WithLogger(slog.New(&consLog)))
	started := make(chan struct{}, 1)
	seen := make(chan error, 1)
	if _, err := cons.Subscribe("slow", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		if string(m.Data) != "slow" {
			return []byte("quick"), nil
		}
		started <- struct{}{}
		select {
		case <-ctx.Done():
			seen <- ctx.Err()
		case <-time.After(10 * time.Second):
			seen <- nil
		}
		return []byte("late answer"), nil
	}); err != nil {
		t.Fatal(err)
	}
	orphans := make(chan string, 4)
	var prodLog warnings
	p := mustConnect(t, b, teomq.WithLogger(slog.New(&prodLog)), teomq.WithOrphanAnswers(func(a *teomq.Answer, err error) {
		orphans <- "orphan answer"
	}))

	ctx, cancel := context.WithCancel(testCtx(t))
	res := make(chan error, 1)
	go func() {
		_, err := p.Request(ctx, "slow", []byte("slow"))
		res <- err
	}()
	recv(t, started, "the handler to start")
	start := time.Now()
	cancel()
	if err := recv(t, seen, "the handler's context to end"); !errors.Is(err, context.Canceled) {
		t.Fatalf("handler's context ended with %v, want Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second { // far below the 30 s lease that would end it otherwise
		t.Fatalf("handler's context cancelled %v after the producer's", elapsed)
	}
	if err := recv(t, res, "Request to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Request: %v, want context.Canceled", err)
	}
	// The same consumer answers the next request on the same connections:
	// the late answer, handled before it, reached no one.
	if a, err := p.Request(testCtx(t), "slow", []byte("next")); err != nil || string(a.Data) != "quick" {
		t.Fatalf("next request: %v, %v", a, err)
	}
	select {
	case o := <-orphans:
		t.Fatalf("the producer got an %s after cancelling", o)
	default:
	}
	if w := append(consLog.all(), prodLog.all()...); len(w) > 0 {
		t.Fatalf("warnings logged: %q", w)
	}
	if n := b.QueueLen("slow"); n != 0 {
		t.Fatalf("QueueLen = %d, want 0", n)
	}
}

// The store keeps the cancellation: after a restart the request is still
// gone, and asking again with its ID says it was cancelled.
func TestCancelledRequestStaysGoneAfterRestart(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	identity := t.TempDir() // the producer's, the same after the restart
	p := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(identity))
	id := mustUUID(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	res := make(chan error, 1)
	go func() {
		_, err := p.Request(ctx, "nobody", []byte("given up"), teomq.WithID(id))
		res <- err
	}()
	waitFor(t, "the request to be queued", func() bool { return r.b.QueueLen("nobody") == 1 })
	cancel()
	recv(t, res, "Request to return")
	waitFor(t, "the cancelled request to leave the queue", func() bool { return r.b.QueueLen("nobody") == 0 })
	p.Close()
	r.restart()

	if n := r.b.QueueLen("nobody"); n != 0 {
		t.Fatalf("QueueLen after the restart = %d, want 0", n)
	}
	got := make(chan string, 4)
	c := mustConnectTo(t, r.b.Endpoint())
	if _, err := c.Subscribe("nobody", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(testCtx(t), "nobody", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	if first := recv(t, got, "the marker"); first != "marker" {
		t.Fatalf("after the restart the consumer got %q first, want the marker", first)
	}
	again := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(identity))
	if _, err := again.Request(testCtx(t), "nobody", []byte("again"), teomq.WithID(id)); !errors.Is(err, teomq.ErrCancelled) {
		t.Fatalf("the cancelled request's ID asked again: %v, want ErrCancelled", err)
	}
}
