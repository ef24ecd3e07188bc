package clustertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// Regression tests for bugs a review of cluster mode found: each failed
// before its fix.

// Producers on every broker sending a new command's first messages at
// once all have them kept: a consumer that subscribes afterwards gets
// every confirmed message. Before the fix, a message published before the
// stream's leader knew the command's new consumer was dropped; the race
// is lost about one time in two, so the test runs it for a few commands.
func TestConcurrentFirstSendsAllKept(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 3, teomq.BrokerConfig{})
	const n = 30
	producers := make([]*teomq.Client, n)
	for i := range n {
		producers[i] = tc.connect(on(i % 3))
	}
	consumer := tc.connect(on(1))
	for r := range 4 {
		firstSendsKept(t, tc, producers, consumer, fmt.Sprint("first_", r)) // a name NATS shows as it is
	}
}

// firstSendsKept sends one message of the new command from each producer
// at once and checks that consumer, subscribing afterwards, gets each
// confirmed one.
func firstSendsKept(t *testing.T, tc *teomqCluster, producers []*teomq.Client, consumer *teomq.Client, command string) {
	t.Helper()
	ctx := testCtx(t)
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	confirmed := map[string]bool{}
	refused := 0
	for i, p := range producers {
		wg.Go(func() {
			<-start
			data := fmt.Sprint(i)
			if _, err := p.Send(ctx, command, []byte(data)); err != nil {
				// A loaded cluster may refuse a send to be retried; only
				// a confirmed one must be kept.
				if !errors.Is(err, teomq.ErrStoreUnavailable) {
					t.Errorf("%s: send %s: %v", command, data, err)
				}
				mu.Lock()
				refused++
				mu.Unlock()
				return
			}
			mu.Lock()
			confirmed[data] = true
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if refused > len(producers)/3 {
		t.Fatalf("%s: %d of %d first sends refused", command, refused, len(producers))
	}

	got := make(chan string, 2*len(producers))
	if _, err := consumer.Subscribe(command, func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}, teomq.Concurrency(8)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for len(seen) < len(confirmed) {
		var v string
		select {
		case v = <-got:
		case <-time.After(10 * time.Second):
			missing := map[int][]string{} // by the broker of the producer
			for i := range producers {
				if v := fmt.Sprint(i); confirmed[v] && !seen[v] {
					missing[i%len(tc.brokers)] = append(missing[i%len(tc.brokers)], v)
				}
			}
			t.Fatalf("%s: timed out waiting for confirmed message %d of %d (missing, by broker: %v); the cluster: %s",
				command, len(seen)+1, len(confirmed), missing, tc.queueState(command))
		}
		if !confirmed[v] {
			t.Fatalf("%s: delivered %q, which no send confirmed", command, v)
		}
		seen[v] = true
	}
}

// A command whose only group is deleted through one broker still keeps
// what another broker publishes at once after: the second send is
// delivered. Before the fix the publishing broker still counted on the
// deleted consumer and the message was stored for no one.
func TestSendAfterGroupDeletedThroughAnotherBrokerKept(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	ctx := testCtx(t)
	p := tc.connect(on(0))
	if _, err := p.Send(ctx, "orders", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.connect(on(1)).DeleteGroup(ctx, "orders", ""); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if _, err := p.Send(ctx, "orders", []byte("second")); err != nil {
		t.Fatalf("send after the group was deleted: %v", err)
	}
	got := collect(t, tc.connect(on(1)), "orders", 4)
	if v := recv(t, got, "the message sent after the delete"); v != "second" {
		t.Fatalf("got %q, want the second message (the first was deleted with its group)", v)
	}
}

// A broker whose lease is longer than the AckWait of a group consumer
// another broker made holds a delivery no longer than that AckWait
// allows: its slow consumer's late answer is refused, and the producer
// gets exactly one answer, the redelivery's, with no second (orphan)
// answer. Before the fix the slow broker kept its own lease, the cluster
// redelivered meanwhile, and both answers reached the producer.
func TestLongerLeaseBrokerFencedByConsumersAckWait(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 1, teomq.BrokerConfig{Lease: time.Second}) // broker 0 makes the consumer
	tc.cfg.Lease = 30 * time.Second
	tc.addBroker() // broker 1, with the long lease

	orphans := make(chan string, 4)
	p := tc.connect(on(0), teomq.WithOrphanAnswers(func(a *teomq.Answer, err error) {
		if a != nil {
			orphans <- string(a.Data)
		} else {
			orphans <- err.Error()
		}
	}))
	ctx := testCtx(t)
	type result struct {
		ans *teomq.Answer
		err error
	}
	res := make(chan result, 1)
	go func() { // owner: this test, which receives its result
		ans, err := p.Request(ctx, "job", []byte("x"))
		res <- result{ans, err}
	}()
	// The request, the command's first message, makes the group's
	// consumer through broker 0, with broker 0's lease, before broker 1
	// has a subscriber (which would make it with its own).
	tc.waitStored("job")
	started, release, slowDone := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	if _, err := tc.connect(on(1)).Subscribe("job", func(context.Context, *teomq.Message) ([]byte, error) {
		defer func() { slowDone <- struct{}{} }()
		started <- struct{}{}
		<-release
		return []byte("slow"), nil
	}); err != nil {
		t.Fatal(err)
	}
	recv(t, started, "the slow consumer's delivery")
	// The group's first subscriber on broker 0 takes the redelivery.
	if _, err := tc.connect(on(0)).Subscribe("job", func(context.Context, *teomq.Message) ([]byte, error) {
		return []byte("fast"), nil
	}); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-res:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for the answer; the cluster: %s", tc.queueState("job"))
	}
	if r.err != nil || string(r.ans.Data) != "fast" {
		t.Fatalf("answer %v, %v: want the redelivery's", r.ans, r.err)
	}
	close(release)
	recv(t, slowDone, "the slow handler's end")
	noRecv(t, orphans, 2*time.Second, "second answer to one request")
}

// A group consumer deleted from NATS behind the brokers' backs is made
// again by a broker that has subscribers, and later messages reach them;
// a group with subscribers on another broker cannot be deleted.
func TestDeletedGroupConsumerMadeAgain(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	ctx := testCtx(t)
	got := make(chan string, 4)
	hold := make(chan struct{})
	if _, err := tc.connect(on(1)).Subscribe("cmd", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		if string(m.Data) == "m1" {
			<-hold
		}
		return nil, nil
	}, teomq.Group("g"), teomq.Concurrency(1)); err != nil {
		t.Fatal(err)
	}
	p := tc.connect(on(0))
	if _, err := p.Send(ctx, "cmd", []byte("m1")); err != nil {
		t.Fatal(err)
	}
	recv(t, got, "m1")
	// Broker 1's only subscriber holds m1: no pull of its waits at the
	// cluster, but the group is still in use.
	if _, err := tc.connect(on(0)).DeleteGroup(ctx, "cmd", "g"); !errors.Is(err, teomq.ErrGroupInUse) {
		t.Fatalf("DeleteGroup of a group with a subscriber on another broker: %v, want ErrGroupInUse", err)
	}
	// Deleted while no pull of broker 1 waits: its next pull, once m1 is
	// answered, finds no consumer.
	stream, err := natsConnect(t, tc.nats).Stream(ctx, tc.msgsStream())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.DeleteConsumer(ctx, "q-cmd-g"); err != nil {
		t.Fatalf("delete the group's consumer: %v", err)
	}
	close(hold)
	// The broker sees the consumer gone at its next pull and makes it
	// again; what is sent meanwhile has no group to keep it, so a probe
	// goes out each second until one is delivered.
	const within = 15 * time.Second
	deadline := time.Now().Add(within)
	for i := 0; ; i++ {
		if _, err := p.Send(ctx, "cmd", []byte(fmt.Sprint("after-", i))); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			return
		case <-time.After(time.Second):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing delivered %v after the group's consumer was deleted", within)
		}
	}
}

// One client in two groups of a command, with a handler longer than the
// lease that extends its lease, has each group's handler run once: the
// extension holds the message in both groups. Before the fix it reached
// one group only; the other's copy was redelivered until dead.
func TestLeaseExtensionHoldsBothGroupsOfOnePeer(t *testing.T) {
	t.Parallel()
	const lease = time.Second
	tc := startCluster(t, 1, teomq.BrokerConfig{Lease: lease, MaxDeliveries: 3})
	type call struct {
		group   string
		attempt int
	}
	calls := make(chan call, 16)
	c := tc.connect(on(0))
	for _, g := range []string{"x", "y"} {
		if _, err := c.Subscribe("cmd", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
			calls <- call{g, m.Attempt}
			teomq.ExtendLease(ctx, 20*lease)
			time.Sleep(3 * lease) // the work outlasts the lease
			return nil, nil
		}, teomq.Group(g)); err != nil {
			t.Fatal(err)
		}
	}
	p := tc.connect(on(0))
	ctx := testCtx(t)
	if _, err := p.Send(ctx, "cmd", []byte("m1")); err != nil {
		t.Fatal(err)
	}
	first := map[string]bool{}
	for range 2 {
		v := recv(t, calls, "a group's delivery")
		if v.attempt != 1 || first[v.group] {
			t.Fatalf("group %s delivery attempt %d, want one first delivery per group", v.group, v.attempt)
		}
		first[v.group] = true
	}
	noRecv(t, calls, 4*lease, "redelivery although the lease was extended")
	if l, err := p.DeadLetters(ctx, "cmd"); err != nil || l.Total != 0 {
		t.Fatalf("dead letters: %+v, %v; want none", l, err)
	}
}

// ExtendLease with no duration renews the lease: a handler that renews it
// halfway and finishes past the first lease's end runs once. Before the
// fix a zero extension ended the lease and the message was redelivered
// at once.
func TestExtendLeaseZeroRenews(t *testing.T) {
	t.Parallel()
	const lease = time.Second
	tc := startCluster(t, 1, teomq.BrokerConfig{Lease: lease})
	attempts := make(chan int, 8)
	if _, err := tc.connect(on(0)).Subscribe("cmd", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		attempts <- m.Attempt
		time.Sleep(lease * 6 / 10)
		teomq.ExtendLease(ctx, 0)
		time.Sleep(lease * 6 / 10) // past the first lease's end
		return []byte("done"), nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	ans, err := tc.connect(on(0)).Request(testCtx(t), "cmd", []byte("m1"))
	if err != nil || string(ans.Data) != "done" {
		t.Fatalf("request: %v, %v", ans, err)
	}
	if a := recv(t, attempts, "the delivery"); a != 1 {
		t.Fatalf("first delivery attempt %d", a)
	}
	noRecv(t, attempts, lease, "redelivery after ExtendLease(ctx, 0)")
}
