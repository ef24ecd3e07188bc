package teomq

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/internal/ratelog"
)

// defaultMaxCallbackQueue is BrokerConfig.MaxCallbackQueue's default.
const defaultMaxCallbackQueue = 1 << 16

// notifier calls a user's OnPublish on a goroutine of its own, in the
// order the messages were stored, so that a slow or blocking callback (one
// that prints to a terminal, or calls the Broker) never runs with the
// broker's state locked or holds up the commit path. Calls past max
// waiting are dropped and counted. queue is safe for concurrent use.
type notifier struct {
	fn      func(PublishInfo)
	max     int
	log     *slog.Logger
	dropped atomic.Int64
	limit   ratelog.Limiter // of the log lines about dropped calls

	mu      sync.Mutex // guards waiting and stopped
	waiting []PublishInfo
	stopped bool
	wake    chan struct{} // capacity 1: waiting is non-empty, or stop
	done    chan struct{} // closed when the goroutine has returned
}

// startNotifier starts the goroutine that calls fn. It is owned by the
// Broker, which stops it with stop after its commit goroutines ended.
func startNotifier(fn func(PublishInfo), max int, log *slog.Logger) *notifier {
	n := &notifier{
		fn:    fn,
		max:   max,
		log:   log,
		limit: ratelog.Limiter{Every: 10 * time.Second},
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	go n.run()
	return n
}

// queue schedules a call with info; it never waits.
func (n *notifier) queue(info PublishInfo) {
	n.mu.Lock()
	if len(n.waiting) >= n.max || n.stopped {
		n.mu.Unlock()
		n.dropped.Add(1)
		if more, ok := n.limit.Allow(); ok {
			n.log.Warn("teomq: OnPublish falls behind; calls dropped", "waiting", n.max, "dropped", more+1)
		}
		return
	}
	n.waiting = append(n.waiting, info)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// run calls fn for each queued info until stop, then for those still
// queued.
func (n *notifier) run() {
	defer close(n.done)
	var batch []PublishInfo
	for range n.wake {
		n.mu.Lock()
		batch, n.waiting = n.waiting, batch[:0]
		stopped := n.stopped
		n.mu.Unlock()
		for i := range batch {
			n.fn(batch[i])
			batch[i] = PublishInfo{}
		}
		if stopped {
			return
		}
	}
}

// stop makes the goroutine return once it has made the calls queued so
// far, and waits for it. It is safe on a nil notifier.
func (n *notifier) stop() {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
	<-n.done
}

// droppedCalls returns how many calls were dropped; 0 on a nil notifier.
func (n *notifier) droppedCalls() int64 {
	if n == nil {
		return 0
	}
	return n.dropped.Load()
}
