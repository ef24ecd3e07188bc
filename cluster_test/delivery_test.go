package clustertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// Requests sent through one broker are handled by consumers on others,
// each by exactly one consumer of the default group, and every answer
// reaches the producer that asked, on whichever broker it is connected.
func TestRequestReplyAcrossBrokers(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 3, teomq.BrokerConfig{})
	var mu sync.Mutex
	handled := map[string]int{} // request data -> times handled
	byConsumer := map[string]int{}
	for _, b := range []int{1, 2} {
		c := tc.connect(on(b))
		if _, err := c.Subscribe("whoami", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			mu.Lock()
			handled[string(m.Data)]++
			byConsumer[c.Address()]++
			mu.Unlock()
			return []byte(m.From), nil
		}, teomq.Concurrency(4)); err != nil {
			t.Fatal(err)
		}
	}
	ctx := testCtx(t)
	const perProducer = 40
	var wg sync.WaitGroup
	for _, b := range []int{0, 0, 2} { // two producers on the first broker, one beside a consumer
		p := tc.connect(on(b))
		for i := range perProducer {
			wg.Go(func() {
				data := fmt.Sprintf("%s/%d", p.Address(), i)
				ans, err := p.Request(ctx, "whoami", []byte(data))
				if err != nil {
					t.Errorf("request %s: %v", data, err)
					return
				}
				if string(ans.Data) != p.Address() {
					t.Errorf("producer %s got the answer for %s", p.Address(), ans.Data)
				}
			})
		}
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 3*perProducer {
		t.Fatalf("%d distinct requests handled, want %d", len(handled), 3*perProducer)
	}
	for data, n := range handled {
		if n != 1 {
			t.Errorf("request %s handled %d times, want once (point to point)", data, n)
		}
	}
	t.Logf("requests handled per consumer: %v", byConsumer)
}

// Each named group gets its own copy of every message sent after the group
// first subscribed, wherever its members and the producer are connected;
// the members of one group share the copies.
func TestGroupsEachGetEveryMessageAcrossBrokers(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 3, teomq.BrokerConfig{})
	type copyOf struct{ group, data string }
	got := make(chan copyOf, 100)
	// web holds the early message until the later group subscribed, so
	// that the cluster still has it then.
	holding, release := make(chan struct{}), make(chan struct{})
	subscribe := func(b int, group string) {
		t.Helper()
		c := tc.connect(on(b))
		if _, err := c.Subscribe("scores", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			if string(m.Data) == "early" {
				close(holding)
				<-release
			}
			got <- copyOf{group, string(m.Data)}
			return nil, nil
		}, teomq.Group(group)); err != nil {
			t.Fatal(err)
		}
	}
	subscribe(1, "web")
	subscribe(2, "web")
	p := tc.connect(on(0))
	ctx := testCtx(t)
	if _, err := p.Send(ctx, "scores", []byte("early")); err != nil {
		t.Fatal(err)
	}
	recv(t, holding, "web's copy of the early message")
	subscribe(0, "audit") // a group that starts now
	close(release)
	if v := recv(t, got, "web's copy of the early message"); v != (copyOf{"web", "early"}) {
		t.Fatalf("got %v, want web's copy of the early message", v)
	}
	const n = 10
	for i := range n {
		if _, err := p.Send(ctx, "scores", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	copies := map[copyOf]int{}
	for range 2 * n {
		copies[recv(t, got, "a group's copy")]++
	}
	for _, g := range []string{"web", "audit"} {
		for i := range n {
			if k := (copyOf{g, fmt.Sprint(i)}); copies[k] != 1 {
				t.Errorf("group %s got message %d %d times, want once", g, i, copies[k])
			}
		}
	}
	if k := (copyOf{"audit", "early"}); copies[k] != 0 {
		t.Errorf("the group that started later got the message sent before")
	}
	noRecv(t, got, 200*time.Millisecond, "extra copy (or the early message for the group that started later)")
}

// Messages sent while no consumer exists wait in the cluster and are handed,
// in order, to the first consumer that subscribes, on another broker.
func TestMessagesWaitForAConsumerOnAnotherBroker(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	p := tc.connect(on(0))
	ctx := testCtx(t)
	const n = 20
	for i := range n {
		if _, err := p.Send(ctx, "jobs", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	c := tc.connect(on(1))
	got := collect(t, c, "jobs", n)
	for i := range n {
		if v := recv(t, got, "queued message"); v != fmt.Sprint(i) {
			t.Fatalf("message %d is %q: not in order", i, v)
		}
	}
	noRecv(t, got, 200*time.Millisecond, "message handled twice")
}

// A producer that sends a message ID through one broker and, reconnected
// to another, sends it again, has it handled once, as a Request retried
// with its ID.
func TestDuplicateIDThroughTwoBrokersHandledOnce(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 3, teomq.BrokerConfig{})
	var mu sync.Mutex
	calls := map[string]int{}
	c := tc.connect(on(2))
	if _, err := c.Subscribe("once", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[string(m.Data)]++
		return []byte(fmt.Sprintf("%s call %d", m.Data, calls[string(m.Data)])), nil
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sendID, reqID := newID(t), newID(t)
	ctx := testCtx(t)
	p := tc.connectAs("producer", dir, on(0))
	if _, err := p.Send(ctx, "once", []byte("send"), teomq.WithID(sendID)); err != nil {
		t.Fatal(err)
	}
	if ans, err := p.Request(ctx, "once", []byte("request"), teomq.WithID(reqID)); err != nil || string(ans.Data) != "request call 1" {
		t.Fatalf("request: %v, %v", ans, err)
	}
	p.Close()

	p = tc.connectAs("producer", dir, on(1))
	if _, err := p.Send(ctx, "once", []byte("send"), teomq.WithID(sendID)); err != nil {
		t.Fatalf("send again through another broker: %v", err)
	}
	// The retried request is not stored again; its answer is not awaited
	// (see TestRetriedRequestThroughAnotherBrokerGetsTheFirstAnswer).
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	p.Request(rctx, "once", []byte("request"), teomq.WithID(reqID)) //nolint:errcheck // its outcome is another test's
	cancel()
	// One consumer takes messages in order: the marker comes after any
	// second copy.
	if _, err := p.Request(ctx, "once", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["send"] != 1 || calls["request"] != 1 {
		t.Fatalf("handled %d sends and %d requests of one ID each, want 1 each", calls["send"], calls["request"])
	}
}
