package teomq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// restartableBroker is a broker that a test stops and starts again on the
// same address, identity and data dir.
type restartableBroker struct {
	t   *testing.T
	cfg teomq.BrokerConfig
	b   *teomq.Broker // nil while stopped
}

// startRestartableBroker starts a broker on 127.0.0.1:0; the test's end
// stops it.
func startRestartableBroker(t *testing.T) *restartableBroker {
	t.Helper()
	r := &restartableBroker{t: t, cfg: teomq.BrokerConfig{
		ConfigDir: t.TempDir(), Listen: "127.0.0.1:0", Durability: teomq.DurabilityMemory, Logger: testLogger(),
	}}
	r.start()
	_, r.cfg.Listen, _ = strings.Cut(r.b.Endpoint(), "@")
	t.Cleanup(r.stop)
	return r
}

func (r *restartableBroker) endpoint() string { return r.b.Address() + "@" + r.cfg.Listen }

func (r *restartableBroker) start() {
	r.t.Helper()
	b, err := teomq.NewBroker(r.cfg)
	if err != nil {
		r.t.Fatalf("start broker on %s: %v", r.cfg.Listen, err)
	}
	r.b = b
}

func (r *restartableBroker) stop() {
	if r.b != nil {
		r.b.Close()
		r.b = nil
	}
}

// subscribeWithin runs c.Subscribe and fails the test unless it returns
// within d.
func subscribeWithin(t *testing.T, d time.Duration, c *teomq.Client, command string, h teomq.Handler) (*teomq.Subscription, error) {
	t.Helper()
	type result struct {
		s   *teomq.Subscription
		err error
	}
	res := make(chan result, 1)
	go func() { // owned by the test: Subscribe ends at the latest when the test closes c
		s, err := c.Subscribe(command, h)
		res <- result{s, err}
	}()
	select {
	case r := <-res:
		return r.s, r.err
	case <-time.After(d):
		t.Fatalf("Subscribe(%q) did not return within %v", command, d)
		return nil, nil
	}
}

func TestSubscribeWhileDisconnectedReturnsAtOnceAndWorksAfterReconnect(t *testing.T) {
	r := startRestartableBroker(t)
	c := mustConnectTo(t, r.endpoint())
	r.stop()

	sub, err := subscribeWithin(t, 2*time.Second, c, "num_servers", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return append([]byte("got "), m.Data...), nil
	})
	if err != nil {
		t.Fatalf("Subscribe while the broker is down: %v", err)
	}

	r.start()
	p := mustConnectTo(t, r.endpoint())
	a, err := p.Request(testCtx(t), "num_servers", []byte("42"))
	if err != nil {
		t.Fatalf("Request once the broker is back: %v", err)
	}
	if string(a.Data) != "got 42" {
		t.Fatalf("answer %q, want the handler's", a.Data)
	}
	if err := sub.Err(); err != nil {
		t.Fatalf("Err of a working subscription: %v", err)
	}
}

func TestSubscribeRefusalIsItsErrorWhileConnectedAndStopsItLater(t *testing.T) {
	r := startRestartableBroker(t)
	c := mustConnectTo(t, r.endpoint())
	const bad = "bad name"

	_, err := c.Subscribe(bad, echo)
	var be *teomq.BrokerError
	if !errors.Is(err, teomq.ErrBadName) || !errors.As(err, &be) {
		t.Fatalf("Subscribe(%q) while connected: %v, want a *BrokerError matching ErrBadName", bad, err)
	}

	r.stop()
	sub, err := subscribeWithin(t, 2*time.Second, c, bad, echo)
	if err != nil {
		t.Fatalf("Subscribe(%q) while the broker is down: %v, want it registered locally", bad, err)
	}
	select {
	case <-sub.Done():
		t.Fatal("subscription ended before the broker saw it")
	default:
	}
	r.start()
	recv(t, sub.Done(), "the refused subscription to end")
	if err := sub.Err(); !errors.Is(err, teomq.ErrBadName) {
		t.Fatalf("Err after the broker refused it: %v, want ErrBadName", err)
	}
}

func TestSubscribeReturnsWhenTheConnectionDropsAndIsSentAgain(t *testing.T) {
	fb := startFakeBroker(t)
	c := mustConnectTo(t, fb.endpoint())
	conn1 := fb.accept(t)

	got := make(chan string, 1)
	type result struct {
		s   *teomq.Subscription
		err error
	}
	res := make(chan result, 1)
	go func() { // owned by the test: Subscribe ends at the latest when the test closes c
		s, err := c.Subscribe("d", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data)
			return m.Data, nil
		})
		res <- result{s, err}
	}()
	first := expectFrame(t, conn1, wire.TypeSubscribe).(*wire.Subscribe)
	conn1.Close() // no SubAck: the connection drops while Subscribe waits
	if r := recv(t, res, "Subscribe after the connection dropped"); r.err != nil {
		t.Fatalf("Subscribe: %v, want the subscription registered locally", r.err)
	}

	conn2 := fb.accept(t)
	again := ackSubscribe(t, conn2, wire.CodeOK)
	if again.SubID != first.SubID || again.Command != "d" {
		t.Fatalf("resent subscribe %+v, want the first one %+v", again, first)
	}
	send(t, conn2, &wire.Deliver{SubID: again.SubID, ID: wire.ID{1}, Attempt: 1, Command: "d", Data: []byte("hello")})
	if v := recv(t, got, "a delivery on the new connection"); v != "hello" {
		t.Fatalf("handler got %q", v)
	}
}

func TestSubscribeGivesUpWhenTheBrokerDoesNotAnswer(t *testing.T) {
	fb := startFakeBroker(t)
	const wait = 100 * time.Millisecond
	c := mustConnectTo(t, fb.endpoint(), teomq.WithSubscribeTimeout(wait))
	conn := fb.accept(t)

	start := time.Now()
	_, err := subscribeWithin(t, 5*time.Second, c, "d", echo)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe without an answer: %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took < wait {
		t.Fatalf("Subscribe gave up after %v, before its timeout %v", took, wait)
	}
	sub := expectFrame(t, conn, wire.TypeSubscribe).(*wire.Subscribe)
	if un := expectFrame(t, conn, wire.TypeUnsubscribe).(*wire.Unsubscribe); un.SubID != sub.SubID {
		t.Fatalf("unsubscribed %d, want the abandoned subscription %d", un.SubID, sub.SubID)
	}
}
