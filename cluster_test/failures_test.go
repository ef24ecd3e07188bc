package clustertest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// A message whose handler keeps asking for a retry is delivered
// MaxDeliveries times, by consumers on different brokers, and then
// dead-lettered: its producer, on a third broker, is told so.
func TestDeadLetterAfterMaxDeliveriesAcrossBrokers(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 3, teomq.BrokerConfig{MaxDeliveries: 3})
	var calls atomic.Int64
	for _, b := range []int{1, 2} {
		c := tc.connect(on(b))
		if _, err := c.Subscribe("flaky", func(context.Context, *teomq.Message) ([]byte, error) {
			calls.Add(1)
			return nil, teomq.Retry(errors.New("backend down"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tc.connect(on(0)).Request(testCtx(t), "flaky", nil)
	if !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("request: %v, want ErrDeadLetter", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d deliveries, want MaxDeliveries (3)", n)
	}
}

// A request nobody handles before its deadline ends with the broker's
// timeout result, and is never handed to a consumer. In cluster mode the
// result comes when a consumer's broker reaches the expired message
// (docs/cluster.md): here one that subscribes on another broker after the
// deadline.
func TestDeadlineTimesOutAndIsNeverDelivered(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	p := tc.connect(on(0))
	ctx := testCtx(t)
	const ttl = 300 * time.Millisecond
	sent := time.Now()
	res := make(chan error, 1)
	go func() { // owner: this test, which receives its result
		// The request's own deadline, far before ctx's: its timeout is
		// the broker's result, not the client giving up.
		_, err := p.Request(ctx, "late", []byte("too late"), teomq.WithTTL(ttl))
		res <- err
	}()
	time.Sleep(time.Until(sent.Add(ttl + 300*time.Millisecond))) // past the deadline, with a margin

	c := tc.connect(on(1))
	got := collect(t, c, "late", 2)
	if err := recv(t, res, "the timeout result"); !errors.Is(err, teomq.ErrTimeout) || ctx.Err() != nil {
		t.Fatalf("request past its deadline: %v (ctx %v), want the broker's ErrTimeout", err, ctx.Err())
	}
	if _, err := p.Send(ctx, "late", []byte("fresh")); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got, "the fresh message"); v != "fresh" {
		t.Fatalf("consumer got %q first: an expired request was delivered", v)
	}
}

// A consumer that disconnects while handling a message has it redelivered
// at once to a consumer on another broker, long before the lease would
// end, and the producer gets that consumer's answer.
func TestDisconnectedConsumersMessageRedeliveredPromptly(t *testing.T) {
	t.Parallel()
	const lease = 30 * time.Second
	tc := startCluster(t, 3, teomq.BrokerConfig{Lease: lease})
	started := make(chan struct{}, 1)
	c1 := tc.connect(on(0))
	if _, err := c1.Subscribe("slow", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done() // stuck until its client closes
		return []byte("late"), nil
	}); err != nil {
		t.Fatal(err)
	}
	p := tc.connect(on(2))
	type result struct {
		ans *teomq.Answer
		err error
	}
	res := make(chan result, 1)
	go func() { // owner: this test, which receives its result
		ans, err := p.Request(testCtx(t), "slow", []byte("x"))
		res <- result{ans, err}
	}()
	recv(t, started, "first delivery")

	attempt := make(chan int, 1)
	c2 := tc.connect(on(1))
	if _, err := c2.Subscribe("slow", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		attempt <- m.Attempt
		return []byte("second"), nil
	}); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	c1.Close()
	if a := recv(t, attempt, "redelivery"); a != 2 {
		t.Fatalf("redelivery attempt %d, want 2", a)
	}
	if d := time.Since(closed); d > 5*time.Second {
		t.Fatalf("redelivered %v after the consumer left, want at once (lease %v)", d, lease)
	}
	r := recv(t, res, "answer")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if string(r.ans.Data) != "second" || r.ans.From != c2.Address() {
		t.Fatalf("answer %q from %s, want the second consumer's", r.ans.Data, r.ans.From)
	}
}

// When a consumer's lease ends, its message goes to a consumer on another
// broker, whose answer the producer gets; the first consumer's late
// answer is refused as stale (fenced: ErrStaleAttempt, not an unknown
// ID), although JetStream itself would take its ack. The first consumer speaks the wire protocol, to see the refusal.
func TestStaleAttemptsAnswerRefusedAcrossBrokers(t *testing.T) {
	t.Parallel()
	// Not shorter: a broker's lease runs from its fetch, and on a loaded
	// machine a 500 ms one ended before any consumer could answer, until
	// the message was dead.
	tc := startCluster(t, 3, teomq.BrokerConfig{Lease: 2 * time.Second})
	raw := rawPeer(t, tc.brokers[0])
	send := func(f interface{ AppendTo([]byte) []byte }) {
		t.Helper()
		if err := raw.Send(f.AppendTo(nil)); err != nil {
			t.Fatal(err)
		}
	}
	send(&wire.Subscribe{SubID: 1, Credit: 1, Command: "fenced"})
	nextFrame(t, raw, wire.TypeSubAck)

	p := tc.connect(on(2))
	type result struct {
		ans *teomq.Answer
		err error
	}
	res := make(chan result, 1)
	go func() { // owner: this test, which receives its result
		ans, err := p.Request(testCtx(t), "fenced", []byte("job"))
		res <- result{ans, err}
	}()
	d1 := nextFrame(t, raw, wire.TypeDeliver).(*wire.Deliver)
	// The raw consumer sits on it; past its lease it goes to c2.
	c2 := tc.connect(on(1))
	if _, err := c2.Subscribe("fenced", func(context.Context, *teomq.Message) ([]byte, error) {
		return []byte("fresh"), nil
	}); err != nil {
		t.Fatal(err)
	}
	r := recv(t, res, "the answer after the lease ended")
	if r.err != nil || string(r.ans.Data) != "fresh" || r.ans.From != c2.Address() {
		t.Fatalf("answer %v, %v: want the second consumer's", r.ans, r.err)
	}
	send(&wire.Answer{ID: d1.ID, Attempt: d1.Attempt, Data: []byte("stale")})
	e := nextFrame(t, raw, wire.TypeError).(*wire.Error)
	if e.Code != wire.CodeStaleAttempt {
		t.Fatalf("stale answer: code %v, want CodeStaleAttempt", e.Code)
	}
}

// A command's first message, sent while a NATS node that does not lead
// the stream is down, is confirmed and delivered: a broker waits for the
// server leading the stream to run the command's new consumer, not for
// every replica (the one on the node that is down never would).
func TestFirstSendWithANATSNodeDown(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 1, teomq.BrokerConfig{})
	leader := tc.nats.WaitStreamLeader(tc.msgsStream(), 10*time.Second)
	tc.nats.StopNode((leader + 1) % 3)
	// A meta leader that goes with the node hands over first: until then
	// the cluster makes no consumer, and the send fails after the
	// broker's JetStream timeout (store unavailable).
	tc.nats.waitMetaLeader(10 * time.Second)
	ctx := testCtx(t)
	c := tc.connect(on(0))
	if _, err := c.Send(ctx, "fresh", []byte("first")); err != nil {
		t.Fatalf("first send with a node down: %v", err)
	}
	got := collect(t, c, "fresh", 1)
	if v := recv(t, got, "the first message"); v != "first" {
		t.Fatalf("got %q, want the first message", v)
	}
}
