package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Settings of groups' consumers.
const (
	// maxAckPending bounds the deliveries of one group not acked yet, over
	// all brokers (JetStream's default, 1,000, would cap many consumers).
	maxAckPending = 1 << 20
	// ephemeralIdle is how long an ephemeral group's consumer outlives its
	// last subscriber.
	ephemeralIdle = time.Minute
)

// groupKey names a group of a command.
type groupKey struct {
	command, group string
}

// group is a command's group with subscribers on this broker: it pulls
// from the group's consumer no more messages than they take. Guarded by
// Engine.mu, except cons, ctx and wake, set once.
type group struct {
	key       groupKey
	ephemeral bool
	// cons is the group's consumer; only the puller uses it once started.
	cons jetstream.Consumer
	// lease is how long a delivery of the group is held, from its fetch:
	// the broker's lease, cut short if the consumer (which another broker
	// may have made) redelivers sooner. Set with cons.
	lease time.Duration
	subs  []*sub
	next  int // where the round robin over subs goes on
	// requested is how many messages the pull under way may still bring.
	requested int

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
}

// startGroup starts pulling key's messages for its local subscribers.
// Called with e.mu held.
func (e *Engine) startGroup(key groupKey, cons jetstream.Consumer, ephemeral bool) *group {
	ctx, cancel := context.WithCancel(context.Background())
	g := &group{key: key, ephemeral: ephemeral, cons: cons, lease: e.leaseFor(cons), ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
	e.groups[key] = g
	e.wg.Add(1)
	go e.pull(g) // owned by the Engine; stopped by g.stop (last subscriber gone, or Close)
	return g
}

// free is how many more messages g's subscribers take now.
func (g *group) free() int {
	n := 0
	for _, s := range g.subs {
		n += s.free()
	}
	return n
}

// wakeUp tells g's puller that its subscribers may take more.
func (g *group) wakeUp() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// stop ends g's puller once its pull under way ran out (pullWait at most);
// the messages that pull brings go back to the cluster.
func (g *group) stop() { g.cancel() }

// pick returns the next subscriber of g with free credit, or nil.
// Called with e.mu held.
func (g *group) pick() *sub {
	for i := range g.subs {
		s := g.subs[(g.next+i)%len(g.subs)]
		if s.free() > 0 {
			g.next = (g.next + i + 1) % len(g.subs)
			return s
		}
	}
	return nil
}

// pull fetches g's messages while its subscribers have free credit: one
// pull request at a time, for no more than that credit, so the cluster
// holds the rest for other brokers' consumers.
func (e *Engine) pull(g *group) {
	defer e.wg.Done()
	for {
		select {
		case <-g.wake:
		case <-g.ctx.Done():
			return
		}
		for g.ctx.Err() == nil {
			e.mu.Lock()
			n := g.free() - g.requested
			if n > 0 {
				g.requested += n
			}
			e.mu.Unlock()
			if n <= 0 {
				break
			}
			got, err := e.fetch(g, n)
			e.mu.Lock()
			g.requested -= n - got
			e.mu.Unlock()
			if err != nil && g.ctx.Err() == nil {
				if e.consumerGone(g) {
					// Deleted by an operator, or an ephemeral group's
					// consumer timed out (a pull then fails with no
					// responders): the subscribers here make it exist
					// again, taking new messages.
					if cons, cerr := e.remakeConsumer(g); cerr == nil {
						lease := e.leaseFor(cons)
						e.mu.Lock()
						g.cons, g.lease = cons, lease
						e.mu.Unlock()
						continue
					}
				}
				e.logLimited(&e.pullLog, "teomq: cluster: pull failed; retrying", err, "command", g.key.command, "group", g.key.group)
				select {
				case <-time.After(pullWait / 4):
				case <-g.ctx.Done():
				}
			}
		}
	}
}

// fetch runs one pull request for up to n messages and hands each to a
// subscriber. It returns how many came.
func (e *Engine) fetch(g *group, n int) (int, error) {
	// A pull is never cut short on this side: the messages a server sent
	// it would be lost to the cluster's AckWait. Not when the group stops
	// (it runs out, and dispatch hands back what it brings), and not at
	// its expiry: the server ends it after pullWait, and the client waits
	// a second more for what is on its way (FetchMaxWait; a context's
	// deadline would leave the server a tenth of the time, too little on
	// a loaded machine).
	batch, err := g.cons.Fetch(n, jetstream.FetchMaxWait(pullWait))
	if err != nil {
		return 0, err
	}
	got := 0
	for msg := range batch.Messages() {
		got++
		e.dispatch(g, msg)
	}
	err = batch.Error()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, jetstream.ErrNoMessages) {
		err = nil
	}
	return got, err
}

// remakeConsumer makes g's consumer again, as a subscriber's Subscribe
// would.
func (e *Engine) remakeConsumer(g *group) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(g.ctx, apiTimeout)
	defer cancel()
	return e.groupConsumer(ctx, g.key, g.ephemeral)
}

// consumerGone reports whether g's consumer no longer exists in the
// cluster.
func (e *Engine) consumerGone(g *group) bool {
	ctx, cancel := context.WithTimeout(g.ctx, apiTimeout)
	defer cancel()
	_, err := consumer(ctx, e.msgs, e.names.groupConsumer(g.key.command, g.key.group))
	return isNotFound(err)
}

// leaseFor is how long a delivery from cons is held: the broker's lease,
// but no longer than the consumer's AckWait less a margin for the answer's
// way to the cluster, so that the cluster never redelivers a message
// whose answer this broker still takes.
func (e *Engine) leaseFor(cons jetstream.Consumer) time.Duration {
	ackWait := e.ackWait
	if info := cons.CachedInfo(); info != nil && info.Config.AckWait > 0 {
		ackWait = info.Config.AckWait
	}
	lease := min(e.cfg.Lease, ackWait-ackMargin(ackWait))
	if lease <= 0 {
		lease = ackWait / 2
	}
	return lease
}

// ackMargin is the least time between the end of a lease and the
// cluster's redelivery.
func ackMargin(ackWait time.Duration) time.Duration {
	return max(ackWait/5, time.Second)
}
