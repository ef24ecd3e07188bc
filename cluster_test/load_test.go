//go:build cluster_pending

package clustertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// Bounds of a load run: loadWorkers goroutines per producer, each sending
// loadRounds requests and as many confirmed sends, one after another.
const (
	loadWorkers  = 4
	loadRounds   = 25
	loadCommand  = "work"
	loadDeadline = 90 * time.Second // the whole run's bound
)

// load drives requests and sends from several producers at consumers
// spread over a cluster's brokers, while a test breaks something, and
// checks the outcome: every request got exactly one answer, its own; every
// confirmed send was handled. Its handler and producers run on the
// clients' goroutines and its workers; its checks on the test's.
type load struct {
	t         testing.TB
	producers []*teomq.Client
	total     int64 // messages the run sends
	done      atomic.Int64
	milestone []loadMilestone

	mu        sync.Mutex
	handled   map[teomq.MessageID]int // by message ID: times handled
	confirmed []teomq.MessageID       // sends confirmed
	orphans   []string                // answers no Request awaited
	handledCh chan struct{}           // pinged on each handling
}

// loadMilestone is closed once a fraction of the run's messages are done.
type loadMilestone struct {
	at int64
	ch chan struct{}
}

// newLoad subscribes a consumer on each of consumersOn (a list of broker
// indexes each, see teomqCluster.endpoints) and connects a producer to
// each of producersOn.
func newLoad(t testing.TB, tc *teomqCluster, consumersOn, producersOn [][]int) *load {
	t.Helper()
	l := &load{t: t, handled: map[teomq.MessageID]int{}, handledCh: make(chan struct{}, 1)}
	for _, idx := range consumersOn {
		c := tc.connect(idx)
		if _, err := c.Subscribe(loadCommand, l.handle, teomq.Concurrency(4)); err != nil {
			t.Fatal(err)
		}
	}
	for _, idx := range producersOn {
		l.producers = append(l.producers, tc.connect(idx, teomq.WithOrphanAnswers(l.orphan)))
	}
	l.total = int64(len(l.producers) * loadWorkers * loadRounds * 2)
	return l
}

// handle is the consumers' handler: it counts the message and answers
// with its producer's address and its data.
func (l *load) handle(_ context.Context, m *teomq.Message) ([]byte, error) {
	l.mu.Lock()
	l.handled[m.ID]++
	l.mu.Unlock()
	select {
	case l.handledCh <- struct{}{}:
	default:
	}
	return []byte(m.From + "|" + string(m.Data)), nil
}

// orphan records an answer that reached a producer no Request awaited.
func (l *load) orphan(a *teomq.Answer, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.orphans = append(l.orphans, fmt.Sprintf("%v (err %v)", a, err))
}

// at returns a channel closed once fraction of the run's messages are
// confirmed or answered. Call before run.
func (l *load) at(fraction float64) <-chan struct{} {
	m := loadMilestone{at: int64(fraction * float64(l.total)), ch: make(chan struct{})}
	l.milestone = append(l.milestone, m)
	return m.ch
}

// step counts one message done and closes the milestones it reaches.
func (l *load) step() {
	n := l.done.Add(1)
	for _, m := range l.milestone {
		if n == m.at {
			close(m.ch)
		}
	}
}

// run sends the whole load and returns when every message is confirmed
// or answered, or failed; each call is bounded by loadDeadline.
func (l *load) run() {
	ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
	defer cancel()
	var wg sync.WaitGroup
	for pi, p := range l.producers {
		for w := range loadWorkers {
			// Owner: run, which waits for it.
			wg.Go(func() { l.work(ctx, p, fmt.Sprintf("p%d-w%d", pi, w)) })
		}
	}
	wg.Wait()
}

// work is one worker's share of the run: alternately a request, checked to
// be answered with its own producer's address and data, and a send. It
// stops at its first failure.
func (l *load) work(ctx context.Context, p *teomq.Client, name string) {
	for i := range loadRounds {
		data := fmt.Sprintf("%s-%d", name, i)
		ans, err := p.Request(ctx, loadCommand, []byte(data))
		switch {
		case err != nil:
			l.t.Errorf("request %s: %v (worker stops)", data, err)
			return
		case string(ans.Data) != p.Address()+"|"+data:
			l.t.Errorf("producer %s, request %s, got the answer %q", p.Address(), data, ans.Data)
		}
		l.step()
		id, err := p.Send(ctx, loadCommand, []byte(data+"-send"))
		if err != nil {
			l.t.Errorf("send %s: %v (worker stops)", data, err)
			return
		}
		l.mu.Lock()
		l.confirmed = append(l.confirmed, id)
		l.mu.Unlock()
		l.step()
	}
}

// check waits (up to 20 s) for every confirmed send to be handled, then
// fails the test for a lost send or a second answer to a request.
func (l *load) check() {
	l.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		lost, dup := l.tally()
		if len(lost) == 0 {
			l.t.Logf("%d messages done; %d handled more than once (redelivered after a fault)", l.done.Load(), dup)
			break
		}
		select {
		case <-l.handledCh:
		case <-deadline:
			l.t.Fatalf("%d confirmed sends never handled, e.g. %v", len(lost), lost[0])
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.orphans) > 0 {
		l.t.Fatalf("%d answers reached a producer that awaited none: %s", len(l.orphans), strings.Join(l.orphans, "; "))
	}
}

// tally returns the confirmed sends not handled yet and how many messages
// were handled more than once.
func (l *load) tally() (lost []teomq.MessageID, dup int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range l.confirmed {
		if l.handled[id] == 0 {
			lost = append(lost, id)
		}
	}
	for _, n := range l.handled {
		if n > 1 {
			dup++
		}
	}
	return lost, dup
}
