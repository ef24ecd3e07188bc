package clustertest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// faultLease is the brokers' lease in the fault tests. JetStream
// redelivers a message whose broker took it and never answered (it died,
// or the message was on its way to it) after AckWait, the lease and a
// margin (docs/cluster.md): the default lease would hold such a message
// 37.5 s, longer than the tests wait.
const faultLease = 3 * time.Second

// When a teomq broker goes away under load, its producers and consumers
// move to other brokers: every request still gets its own answer, none
// another producer's, and every confirmed send is handled, including
// those its consumer was handling. Answers that come a second time are
// counted: that fails today (TestBrokerClosedUnderLoadExactlyOneAnswer,
// gaps_test.go).
func TestBrokerClosedUnderLoad(t *testing.T) {
	t.Parallel()
	brokerClosedUnderLoad(t, func(l *load) { l.extraAnswersOK = true })
}

// brokerClosedUnderLoad runs a load over three brokers, with a consumer
// and a producer on the first, closes the first at a third of it, and
// checks the load's outcome; mode sets the load's options.
func brokerClosedUnderLoad(t *testing.T, mode func(*load)) {
	tc := startCluster(t, 3, teomq.BrokerConfig{Lease: faultLease})
	l := newLoad(t, tc,
		[][]int{on(0, 1), on(1, 2)}, // a consumer on the broker that goes
		[][]int{on(0, 2), on(2, 0)}) // a producer on it too
	mode(l)
	third, resume := l.pauseAt(1.0 / 3)
	done := make(chan struct{})
	go func() { // owner: this test, which waits for done
		defer close(done)
		l.run()
	}()
	select {
	case <-third:
		tc.brokers[0].Close()
		resume()
	case <-done:
		t.Fatal("the load ended before a third of it was done")
	}
	<-done
	l.check()
}

// When the NATS node leading the messages' stream stops under load, and
// later restarts, the brokers carry on through the other nodes: every
// request taken gets its own answer, none another producer's, and every
// confirmed send is handled. Publishes refused for now meanwhile are given
// up, and answers that come a second time are counted: both fail today
// (TestStreamLeaderNodeRestartExactlyOneAnswer, gaps_test.go).
func TestStreamLeaderNodeRestartUnderLoad(t *testing.T) {
	t.Parallel()
	streamLeaderRestartUnderLoad(t, func(l *load) { l.extraAnswersOK = true })
}

// streamLeaderRestartUnderLoad runs a load over two brokers, stops the
// NATS node leading the messages' stream at a third of it and restarts it
// at two thirds, and checks the load's outcome; mode sets the load's
// options.
func streamLeaderRestartUnderLoad(t *testing.T, mode func(*load)) {
	tc := startCluster(t, 2, teomq.BrokerConfig{Lease: faultLease})
	l := newLoad(t, tc,
		[][]int{on(0, 1), on(1, 0)},
		[][]int{on(0, 1), on(1, 0)})
	mode(l)
	third, resumeThird := l.pauseAt(1.0 / 3)
	twoThirds, resumeTwoThirds := l.pauseAt(2.0 / 3)
	done := make(chan struct{})
	go func() { // owner: this test, which waits for done
		defer close(done)
		l.run()
	}()
	select {
	case <-third:
	case <-done:
		t.Fatal("the load ended before a third of it was done")
	}
	leader := tc.nats.WaitStreamLeader(tc.msgsStream(), 10*time.Second)
	tc.nats.StopNode(leader)
	resumeThird()
	select {
	case <-twoThirds:
	case <-time.After(30 * time.Second):
		t.Error("the load stalled while one NATS node of three was down")
	}
	tc.nats.RestartNode(leader)
	resumeTwoThirds()
	<-done
	l.check()
	// Two of three nodes keep a stream of three replicas going: a
	// publish is refused only while a broker's connection moves to
	// another node.
	if n := l.refusedCount(); n > maxRefusedWhileANodeIsDown {
		t.Fatalf("%d publishes refused for now while one NATS node was down, want at most %d", n, maxRefusedWhileANodeIsDown)
	}
}

// maxRefusedWhileANodeIsDown bounds the publishes refused for now while
// one node of three is down; runs refuse 0 to 5 of the load's 400.
const maxRefusedWhileANodeIsDown = 40

// Messages confirmed before the whole NATS cluster restarts are still
// there after it: the brokers reconnect by themselves and hand them to a
// consumer, and take new messages again.
func TestWholeNATSClusterRestartKeepsConfirmedMessages(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	p := tc.connect(on(0))
	ctx := testCtx(t)
	const n = 10
	for i := range n {
		if _, err := p.Send(ctx, "kept", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	tc.nats.StopAll()
	tc.nats.RestartAll()
	tc.nats.WaitLeaders(30 * time.Second)

	c := tc.connect(on(1))
	got := collect(t, c, "kept", n+1)
	// Until a broker's NATS connection is back, it refuses publishes for
	// now (ErrStoreUnavailable: send again later); 100 tries 100 ms apart.
	restarted := time.Now()
	for i := 0; ; i++ {
		_, err := p.Send(ctx, "kept", []byte("after"))
		if err == nil {
			break
		}
		if !errors.Is(err, teomq.ErrStoreUnavailable) || i == 100 {
			t.Fatalf("send after the cluster's restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("publishes taken again %v after the cluster was ready", time.Since(restarted))
	seen := map[string]bool{}
	for range n + 1 {
		seen[recv(t, got, "a message confirmed before or after the restart")] = true
	}
	for i := range n {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("message %d, confirmed before the restart, was lost", i)
		}
	}
	if !seen["after"] {
		t.Error("the message sent after the restart was not handled")
	}
}

// While the NATS node leading the messages' stream restarts under load,
// every request gets exactly one answer, and publishes refused for now
// (ErrStoreUnavailable: "not stored; send it again later"), sent again
// with their IDs, are taken and answered: no answer comes twice (after a
// redelivery whose ack was lost), and no refused publish was stored all
// the same.
func TestStreamLeaderNodeRestartExactlyOneAnswer(t *testing.T) {
	t.Parallel()
	streamLeaderRestartUnderLoad(t, func(l *load) { l.retryRefused = true })
}

// When a teomq broker goes away under load, every request gets exactly
// one answer: a request answered again after a redelivery does not reach
// its producer a second time.
func TestBrokerClosedUnderLoadExactlyOneAnswer(t *testing.T) {
	t.Parallel()
	brokerClosedUnderLoad(t, func(*load) {})
}
