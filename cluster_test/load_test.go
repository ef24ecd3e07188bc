package clustertest

import (
	"context"
	"errors"
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
	// loadRequestTimeout bounds one request: far more than a redelivery
	// after AckWait takes (faultLease).
	loadRequestTimeout = 20 * time.Second
	// loadRetries bounds the retries of a publish the broker refuses for
	// now, loadRetryWait apart: 10 s in all.
	loadRetries   = 100
	loadRetryWait = 100 * time.Millisecond
)

// load drives requests and sends from several producers at consumers
// spread over a cluster's brokers, while a test breaks something, and
// checks the outcome: every request got exactly one answer, its own; every
// confirmed send was handled. Its handler and producers run on the
// clients' goroutines and its workers; its checks on the test's.
//
// A publish the broker refuses for now (ErrStoreUnavailable, documented as
// "not stored; send it again later") is given up, or, with retryRefused,
// sent again with its ID until it is taken. With extraAnswersOK, answers
// that reach a producer a second time are counted, not a failure.
type load struct {
	t              testing.TB
	producers      []*teomq.Client
	retryRefused   bool
	extraAnswersOK bool
	total          int64 // messages the run sends
	done           atomic.Int64
	maxWait        atomic.Int64 // the longest request's time to its answer, ns
	milestone      []loadMilestone

	mu        sync.Mutex
	handled   map[teomq.MessageID]int // by message ID: times handled
	confirmed []teomq.MessageID       // sends confirmed
	refused   map[teomq.MessageID]bool
	orphans   []loadOrphan  // answers no Request awaited
	handledCh chan struct{} // pinged on each handling
}

// loadOrphan is an answer that reached a producer no Request awaited.
type loadOrphan struct {
	desc    string
	refused bool // its publish was refused for now
}

// loadMilestone is closed once a fraction of the run's messages are done;
// with hold, the workers then wait, before their next message, until the
// test calls resume.
type loadMilestone struct {
	at     int64
	ch     chan struct{}
	hold   bool
	resume chan struct{}
}

// newLoad subscribes a consumer on each of consumersOn (a list of broker
// indexes each, see teomqCluster.endpoints) and connects a producer to
// each of producersOn.
func newLoad(t testing.TB, tc *teomqCluster, consumersOn, producersOn [][]int) *load {
	t.Helper()
	l := &load{t: t, handled: map[teomq.MessageID]int{}, refused: map[teomq.MessageID]bool{}, handledCh: make(chan struct{}, 1)}
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
	if a == nil {
		l.orphans = append(l.orphans, loadOrphan{desc: fmt.Sprint("error ", err)})
		return
	}
	l.orphans = append(l.orphans, loadOrphan{desc: fmt.Sprintf("%s from %s", a.Data, a.From), refused: l.refused[a.ID]})
}

// pauseAt returns a channel closed once fraction of the run's messages are
// done, and resume: until it is called, the workers wait before their
// next message, so that what the test does then happens mid-run. Call
// before run.
func (l *load) pauseAt(fraction float64) (reached <-chan struct{}, resume func()) {
	m := loadMilestone{at: int64(fraction * float64(l.total)), ch: make(chan struct{}), hold: true, resume: make(chan struct{})}
	l.milestone = append(l.milestone, m)
	return m.ch, sync.OnceFunc(func() { close(m.resume) })
}

// step counts one message done, closes the milestones it reaches, and
// waits at those that hold until they resume or ctx ends.
func (l *load) step(ctx context.Context) {
	n := l.done.Add(1)
	for _, m := range l.milestone {
		if n == m.at {
			close(m.ch)
		}
		if m.hold && n >= m.at {
			select {
			case <-m.resume:
			case <-ctx.Done():
			}
		}
	}
}

// run sends the whole load and returns when every message is done
// (confirmed, answered, refused for now) or failed; bounded by
// loadDeadline.
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
		var ans *teomq.Answer
		var reqID teomq.MessageID
		began := time.Now()
		err := l.publish(ctx, func(id teomq.MessageID) (err error) {
			rctx, cancel := context.WithTimeout(ctx, loadRequestTimeout)
			defer cancel()
			reqID = id
			ans, err = p.Request(rctx, loadCommand, []byte(data), teomq.WithID(id))
			return err
		})
		switch {
		case errors.Is(err, teomq.ErrStoreUnavailable) && !l.retryRefused:
		case err != nil:
			l.mu.Lock()
			n := l.handled[reqID]
			l.mu.Unlock()
			l.t.Errorf("request %s: %v; handled %d times (worker stops)", data, err, n)
			return
		case string(ans.Data) != p.Address()+"|"+data:
			l.t.Errorf("producer %s, request %s, got the answer %q", p.Address(), data, ans.Data)
		default:
			l.slowest(time.Since(began))
		}
		l.step(ctx)
		var id teomq.MessageID
		err = l.publish(ctx, func(rid teomq.MessageID) (err error) {
			id, err = p.Send(ctx, loadCommand, []byte(data+"-send"), teomq.WithID(rid))
			return err
		})
		switch {
		case errors.Is(err, teomq.ErrStoreUnavailable) && !l.retryRefused:
		case err != nil:
			l.t.Errorf("send %s: %v (worker stops)", data, err)
			return
		default:
			l.mu.Lock()
			l.confirmed = append(l.confirmed, id)
			l.mu.Unlock()
		}
		l.step(ctx)
	}
}

// slowest records d if it is the longest request so far.
func (l *load) slowest(d time.Duration) {
	for {
		old := l.maxWait.Load()
		if int64(d) <= old || l.maxWait.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// publish calls send with a new message ID, recording a refusal for now;
// with retryRefused it calls it again with the same ID while refused, up
// to loadRetries times loadRetryWait apart.
func (l *load) publish(ctx context.Context, send func(teomq.MessageID) error) error {
	id := newID(l.t)
	for i := 0; ; i++ {
		err := send(id)
		if !errors.Is(err, teomq.ErrStoreUnavailable) {
			return err
		}
		l.mu.Lock()
		l.refused[id] = true
		l.mu.Unlock()
		if !l.retryRefused || i == loadRetries {
			return err
		}
		select {
		case <-time.After(loadRetryWait):
		case <-ctx.Done():
			return err
		}
	}
}

// check waits (up to 20 s) for every confirmed send to be handled, then
// fails the test for a lost send or an answer no Request awaited. Without
// retryRefused, an answer to a publish refused for now is only counted:
// the engine refuses some publishes the cluster stored (see
// gaps_test.go).
func (l *load) check() {
	l.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		lost, dup, refused := l.tally()
		if len(lost) == 0 {
			l.t.Logf("%d messages done; %d publishes refused for now; %d handled more than once (redelivered after a fault); slowest request %v",
				l.done.Load(), refused, dup, time.Duration(l.maxWait.Load()))
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
	var bad []string
	refusedAnswered := 0
	for _, o := range l.orphans {
		if o.refused && !l.retryRefused {
			refusedAnswered++
			continue
		}
		bad = append(bad, o.desc)
	}
	if refusedAnswered > 0 {
		l.t.Logf("%d publishes refused for now were handled and answered all the same", refusedAnswered)
	}
	if len(bad) > 0 && l.extraAnswersOK {
		l.t.Logf("%d answers reached their producer a second time: %s", len(bad), strings.Join(bad, "; "))
		return
	}
	if len(bad) > 0 {
		l.t.Fatalf("%d answers reached a producer that awaited none: %s", len(bad), strings.Join(bad, "; "))
	}
}

// refusedCount returns how many publishes were refused for now.
func (l *load) refusedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.refused)
}

// tally returns the confirmed sends not handled yet, how many messages
// were handled more than once and how many publishes were refused for now.
func (l *load) tally() (lost []teomq.MessageID, dup, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	refused = len(l.refused)
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
	return lost, dup, refused
}
