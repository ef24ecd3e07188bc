package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

func TestPointToPointExactlyOneConsumer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	const consumers, msgs = 3, 300

	var mu sync.Mutex
	seen := make(map[string]int) // data -> times handled
	perConsumer := make([]int, consumers)
	for i := range consumers {
		c := mustConnect(t, b)
		_, err := c.Subscribe("num_servers", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			mu.Lock()
			seen[string(m.Data)]++
			perConsumer[i]++
			mu.Unlock()
			return m.Data, nil
		}, teomq.Concurrency(4))
		if err != nil {
			t.Fatal(err)
		}
	}
	other := mustConnect(t, b)
	otherGot := make(chan string, msgs)
	if _, err := other.Subscribe("num_players", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		otherGot <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}

	p := mustConnect(t, b)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, msgs)
	for i := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("m%d", i)
			ans, err := p.Request(ctx, "num_servers", []byte(want))
			if err != nil {
				errs <- err
				return
			}
			if string(ans.Data) != want {
				errs <- fmt.Errorf("answer %q for request %q", ans.Data, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != msgs {
		t.Fatalf("%d distinct messages handled, want %d", len(seen), msgs)
	}
	for d, n := range seen {
		if n != 1 {
			t.Fatalf("message %s handled %d times", d, n)
		}
	}
	for i, n := range perConsumer {
		if n == 0 {
			t.Errorf("consumer %d got no message: load not shared (%v)", i, perConsumer)
		}
	}
	noRecv(t, otherGot, 50*time.Millisecond, "message on another command")
}

func TestGroupsEachGetACopy(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	got := map[string]chan string{"": make(chan string, 10), "web": make(chan string, 10)}
	for g, ch := range got {
		c := mustConnect(t, b)
		if _, err := c.Subscribe("num_players", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			ch <- string(m.Data)
			return nil, nil
		}, teomq.Group(g)); err != nil {
			t.Fatal(err)
		}
	}
	p := mustConnect(t, b)
	if _, err := p.Send(testCtx(t), "num_players", []byte("42")); err != nil {
		t.Fatal(err)
	}
	for g, ch := range got {
		if v := recv(t, ch, "copy for group "+g); v != "42" {
			t.Fatalf("group %q got %q", g, v)
		}
		noRecv(t, ch, 30*time.Millisecond, "second copy in group "+g)
	}
}

func TestDefaultCommand(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	if _, err := c.Subscribe(teomq.DefaultCommand, echo); err != nil {
		t.Fatal(err)
	}
	ans, err := mustConnect(t, b).Request(testCtx(t), teomq.DefaultCommand, []byte("Hello world #1"))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Data) != "Hello world #1" || ans.From != c.Address() {
		t.Fatalf("answer %q from %s, want echo from %s", ans.Data, ans.From, c.Address())
	}
}

func TestAnswersReturnToTheirProducer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	if _, err := c.Subscribe("whoami", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return []byte(m.From), nil
	}, teomq.Concurrency(8)); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 4 {
		p := mustConnect(t, b)
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ans, err := p.Request(ctx, "whoami", nil)
				if err != nil {
					t.Error(err)
					return
				}
				if string(ans.Data) != p.Address() {
					t.Errorf("producer %s got the answer for %s", p.Address(), ans.Data)
				}
			}()
		}
	}
	wg.Wait()
}

func TestManyConcurrentRequestsOnOneClient(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	if _, err := c.Subscribe("double", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return append(m.Data, m.Data...), nil
	}, teomq.Concurrency(64)); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	const n = 3000
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := fmt.Sprint(i)
			ans, err := p.Request(ctx, "double", []byte(d))
			if err != nil || string(ans.Data) != d+d {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed or got a wrong answer", bad.Load(), n)
	}
}

func TestMessagesWaitForAConsumerInOrder(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	p := mustConnect(t, b)
	ctx := testCtx(t)
	const n = 50
	for i := range n {
		if _, err := p.Send(ctx, "jobs", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan string, n)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("jobs", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if v := recv(t, got, "queued message"); v != fmt.Sprint(i) {
			t.Fatalf("message %d is %q: not FIFO", i, v)
		}
	}
}

func TestConsumerGoneRequeuesToAnother(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	started := make(chan struct{}, 1)
	c1 := mustConnect(t, b)
	if _, err := c1.Subscribe("slow", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done() // stuck until the client closes
		return []byte("late"), nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	res := make(chan error, 1)
	var ans *teomq.Answer
	go func() {
		var err error
		ans, err = p.Request(testCtx(t), "slow", []byte("x"))
		res <- err
	}()
	recv(t, started, "first delivery")

	attempt := make(chan int, 1)
	c2 := mustConnect(t, b)
	if _, err := c2.Subscribe("slow", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		attempt <- m.Attempt
		return []byte("second"), nil
	}); err != nil {
		t.Fatal(err)
	}
	c1.Close() // immediate, although its handler is stuck
	if a := recv(t, attempt, "redelivery"); a != 2 {
		t.Fatalf("redelivery attempt %d, want 2", a)
	}
	if err := recv(t, res, "answer"); err != nil {
		t.Fatal(err)
	}
	if string(ans.Data) != "second" || ans.From != c2.Address() {
		t.Fatalf("answer %q from %s", ans.Data, ans.From)
	}
}

func TestLeaseExpiryRedelivers(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{Lease: 150 * time.Millisecond})
	release := make(chan struct{})
	defer close(release)
	var calls atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("stuck", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		if calls.Add(1) == 1 {
			<-release // never answers in time
			return nil, nil
		}
		return []byte(fmt.Sprint("attempt ", m.Attempt)), nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	ans, err := mustConnect(t, b).Request(testCtx(t), "stuck", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Data) != "attempt 2" {
		t.Fatalf("answer %q, want the second attempt's", ans.Data)
	}
}

func TestExtendLeaseKeepsTheMessage(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{Lease: 150 * time.Millisecond})
	var calls atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("long", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		calls.Add(1)
		// Runs 400 ms, well past the 150 ms lease, extending it as it goes.
		for range 4 {
			if !teomq.ExtendLease(ctx, 5*time.Second) {
				return nil, errors.New("ExtendLease failed")
			}
			time.Sleep(100 * time.Millisecond)
		}
		return []byte("done"), nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	ans, err := mustConnect(t, b).Request(testCtx(t), "long", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Data) != "done" || calls.Load() != 1 {
		t.Fatalf("answer %q after %d deliveries, want 1", ans.Data, calls.Load())
	}
	if teomq.ExtendLease(context.Background(), time.Second) {
		t.Fatal("ExtendLease outside a handler reported success")
	}
}

func TestRetryThenDeadLetter(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxDeliveries: 3})
	var calls atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("flaky", func(context.Context, *teomq.Message) ([]byte, error) {
		calls.Add(1)
		return nil, teomq.Retry(errors.New("backend down"))
	}); err != nil {
		t.Fatal(err)
	}
	_, err := mustConnect(t, b).Request(testCtx(t), "flaky", nil)
	if !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("err %v, want ErrDeadLetter", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
}

func TestHandlerErrorIsRemoteAndNotRetried(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	var calls atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("fail", func(context.Context, *teomq.Message) ([]byte, error) {
		calls.Add(1)
		return nil, errors.New("no such user")
	}); err != nil {
		t.Fatal(err)
	}
	_, err := mustConnect(t, b).Request(testCtx(t), "fail", nil)
	var re *teomq.RemoteError
	if !errors.As(err, &re) || re.Message != "no such user" || re.From != c.Address() {
		t.Fatalf("err %v, want RemoteError from %s", err, c.Address())
	}
	// The result and the end of the message are one step of the broker: a
	// message kept for a retry would still count here, waiting for its
	// delay or delivered again.
	if n := b.QueueLen("fail"); n != 0 {
		t.Fatalf("after the handler's error the broker still holds %d messages of the command, want 0 (not retried)", n)
	}
	if s := b.Stats(); s.Pending != 0 || s.InFlight != 0 || s.DeadLetters != 0 {
		t.Fatalf("broker stats %+v, want nothing pending, in flight or dead-lettered", s)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

func TestExpiredRequestNeverDelivered(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	p := mustConnect(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := p.Request(ctx, "late", []byte("too late"))
	if !errors.Is(err, teomq.ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	got := make(chan string, 1)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("late", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(testCtx(t), "late", []byte("fresh")); err != nil {
		t.Fatal(err)
	}
	if v := recv(t, got, "fresh message"); v != "fresh" {
		t.Fatalf("consumer got %q: an expired request was delivered", v)
	}
}

func TestDuplicateIDStoredOnceAndSameAnswer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	var calls atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("once", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return []byte(fmt.Sprint("call ", calls.Add(1))), nil
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	id := teomq.MessageID(mustUUID(t))
	a1, err := p.Request(ctx, "once", nil, teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := p.Request(ctx, "once", nil, teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	if string(a1.Data) != "call 1" || string(a2.Data) != "call 1" {
		t.Fatalf("answers %q and %q, want the same first answer", a1.Data, a2.Data)
	}
	sid := teomq.MessageID(mustUUID(t))
	for range 3 {
		if _, err := p.Send(ctx, "once", nil, teomq.WithID(sid)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Request(ctx, "once", nil); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("handler ran %d times, want 3 (request, one send, request)", n)
	}
}

func TestAnswerMailboxAfterProducerReconnects(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("slow", func(context.Context, *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-release
		return []byte("worth the wait"), nil
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p1, err := teomq.Connect(testCtx(t), b.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go p1.Request(ctx, "slow", nil) //nolint:errcheck // abandoned on purpose
	recv(t, started, "delivery")
	conns := b.Stats().Connections
	cancel()
	p1.Close()
	waitFor(t, "the broker to notice the producer left", func() bool { return b.Stats().Connections == conns-1 })
	close(release) // answered while the producer is away
	waitFor(t, "the answer to reach the broker", func() bool { return b.QueueLen("slow") == 0 })
	orphans := make(chan string, 1)
	p2, err := teomq.Connect(testCtx(t), b.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()),
		teomq.WithOrphanAnswers(func(a *teomq.Answer, err error) {
			if err != nil {
				orphans <- err.Error()
				return
			}
			orphans <- string(a.Data)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if p2.Address() != p1.Address() {
		t.Fatal("same name and config dir gave another address")
	}
	if v := recv(t, orphans, "mailbox answer"); v != "worth the wait" {
		t.Fatalf("mailbox answer %q", v)
	}
}

func TestCreditBoundsConcurrency(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	var cur, peak atomic.Int64
	c := mustConnect(t, b)
	if _, err := c.Subscribe("work", func(context.Context, *teomq.Message) ([]byte, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		return nil, nil
	}, teomq.Concurrency(3)); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Request(ctx, "work", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if pk := peak.Load(); pk != 3 {
		t.Fatalf("peak concurrency %d, want exactly the credit 3", pk)
	}
}

func TestQueueFullIsAnError(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxQueueLen: 3})
	p := mustConnect(t, b)
	ctx := testCtx(t)
	for i := range 3 {
		if _, err := p.Send(ctx, "q", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Send(ctx, "q", []byte("4th"))
	if !errors.Is(err, teomq.ErrQueueFull) {
		t.Fatalf("err %v, want ErrQueueFull", err)
	}
	got := make(chan byte, 4)
	c := mustConnect(t, b)
	if _, err := c.Subscribe("q", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- m.Data[0]
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if v := recv(t, got, "queued message"); v != byte(i) {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	if _, err := p.Send(ctx, "q", []byte("again")); err != nil {
		t.Fatalf("send after drain: %v", err)
	}
}

func TestOversizedMessageRefused(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxMessageSize: 1024})
	p := mustConnect(t, b)
	_, err := p.Send(testCtx(t), "big", make([]byte, 2048))
	if !errors.Is(err, teomq.ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
	if _, err := p.Send(testCtx(t), "big", make([]byte, 1024)); err != nil {
		t.Fatalf("a message at the limit: %v", err)
	}
}

func TestBadNamesRefused(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	for _, name := range []string{"", "bad\x00name", "tab\tname"} {
		if _, err := c.Send(testCtx(t), name, nil); !errors.Is(err, teomq.ErrBadName) {
			t.Errorf("Send(%q): %v, want ErrBadName", name, err)
		}
		if _, err := c.Request(testCtx(t), name, nil); !errors.Is(err, teomq.ErrBadName) {
			t.Errorf("Request(%q): %v, want ErrBadName", name, err)
		}
		if _, err := c.Subscribe(name, echo); !errors.Is(err, teomq.ErrBadName) {
			t.Errorf("Subscribe(%q): %v, want ErrBadName", name, err)
		}
	}
	if _, err := c.Send(testCtx(t), string(make([]byte, 300)), nil); !errors.Is(err, teomq.ErrBadName) {
		t.Errorf("Send(300 bytes): %v, want ErrBadName", err)
	}
	if _, err := c.Subscribe("ok", echo); err != nil {
		t.Fatalf("a good subscribe after bad ones: %v", err)
	}
}

func TestUnsubscribeRequeues(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	c := mustConnect(t, b)
	got := make(chan string, 4)
	s, err := c.Subscribe("u", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	if _, err := c.Send(testCtx(t), "u", []byte("after")); err != nil {
		t.Fatal(err)
	}
	noRecv(t, got, 100*time.Millisecond, "message after Unsubscribe")
	c2 := mustConnect(t, b)
	if _, err := c2.Subscribe("u", echo); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Request(testCtx(t), "u", []byte("r")); err != nil {
		t.Fatalf("request served by the new subscriber: %v", err)
	}
}
