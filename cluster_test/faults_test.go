//go:build cluster_pending

package clustertest

import (
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// When a teomq broker goes away under load, its producers and consumers
// move to other brokers: every request still gets exactly one answer, its
// own, and every confirmed send is handled, including those its consumer
// was handling.
func TestBrokerClosedUnderLoad(t *testing.T) {
	tc := startCluster(t, 3, teomq.BrokerConfig{})
	l := newLoad(t, tc,
		[][]int{on(0, 1), on(1, 2)}, // a consumer on the broker that goes
		[][]int{on(0, 2), on(2, 0)}) // a producer on it too
	third := l.at(1.0 / 3)
	done := make(chan struct{})
	go func() { // owner: this test, which waits for done
		defer close(done)
		l.run()
	}()
	select {
	case <-third:
		tc.brokers[0].Close()
	case <-done:
		t.Fatal("the load ended before a third of it was done")
	}
	<-done
	l.check()
}

// When the NATS node leading the messages' stream stops under load, and
// later restarts, the brokers carry on through the other nodes: every
// request gets exactly one answer and every confirmed send is handled.
func TestStreamLeaderNodeRestartUnderLoad(t *testing.T) {
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	l := newLoad(t, tc,
		[][]int{on(0, 1), on(1, 0)},
		[][]int{on(0, 1), on(1, 0)})
	third, twoThirds := l.at(1.0/3), l.at(2.0/3)
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
	select {
	case <-twoThirds:
	case <-time.After(5 * time.Second): // the load need not wait for the node
	}
	tc.nats.RestartNode(leader)
	<-done
	l.check()
}
