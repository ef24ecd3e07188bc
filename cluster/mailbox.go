package cluster

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// mailbox hands a producer's results to its connections on this broker:
// it consumes the producer's subject of the answers stream, through a
// consumer that any broker the producer connects to shares. Guarded by
// Engine.mu.
type mailbox struct {
	addr string
	// cc is the running consumption; nil while it starts.
	cc      jetstream.ConsumeContext
	stopped bool
}

// stop ends mb's consumption. Called with e.mu held.
func (mb *mailbox) stop() {
	mb.stopped = true
	if mb.cc != nil {
		mb.cc.Stop()
	}
}

// mailboxHeartbeat is the idle heartbeat of a mailbox's pull requests. A
// pull request sent right after the consumer's creation can reach a server
// that has not yet learnt where the new consumer's leader listens, and is
// dropped ("no responders"); the client pulls again after two missed
// heartbeats. With the default heartbeat (15 s) a new producer's first
// answers waited 30 s.
const mailboxHeartbeat = time.Second

// checkMailbox opens producer's mailbox on this broker if the cluster
// holds results for it: a producer that reconnects gets the answers that
// came while it was away, or on another broker.
func (e *Engine) checkMailbox(producer string) {
	defer e.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	info, err := e.answers.Info(ctx, jetstream.WithSubjectFilter(e.names.answerSubject(producer)))
	if err != nil {
		e.logError("teomq: cluster: mailbox not checked", err, "producer", producer)
		return
	}
	if len(info.State.Subjects) > 0 {
		e.openMailbox(producer)
	}
}

// openMailbox starts handing producer's results to its connections here,
// unless that runs already. It waits for the consumer's creation.
func (e *Engine) openMailbox(producer string) {
	e.mu.Lock()
	if e.closed || e.mailboxes[producer] != nil || !e.connected(producer) {
		e.mu.Unlock()
		return
	}
	mb := &mailbox{addr: producer}
	e.mailboxes[producer] = mb
	e.mu.Unlock()
	cc, err := e.consumeMailbox(producer)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err != nil:
		e.logError("teomq: cluster: mailbox not opened; retried at the next request", err, "producer", producer)
		delete(e.mailboxes, producer)
	case mb.stopped:
		cc.Stop()
	default:
		mb.cc = cc
	}
}

// consumeMailbox creates (or binds) producer's mailbox consumer and
// consumes it.
func (e *Engine) consumeMailbox(producer string) (jetstream.ConsumeContext, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	name := e.names.mailboxConsumer(producer)
	cons, err := bindConsumer(ctx, e.answers, jetstream.ConsumerConfig{
		Durable:           name,
		FilterSubject:     e.names.answerSubject(producer),
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           e.ackWait,
		InactiveThreshold: e.cfg.MailboxTTL,
		// Replicas left to the stream's: JetStream refuses a
		// consumer of a work-queue stream with fewer.
	})
	if err != nil {
		return nil, unavailable(err)
	}
	return cons.Consume(func(msg jetstream.Msg) { e.deliverResult(producer, msg) }, jetstream.PullHeartbeat(mailboxHeartbeat))
}

// deliverResult hands one result of producer's mailbox to a connection of
// producer here. With none left, the result stays in the cluster for its
// next connection.
func (e *Engine) deliverResult(producer string, msg jetstream.Msg) {
	r, err := decodeResult(msg.Headers(), msg.Data())
	if err != nil {
		e.logError("teomq: cluster: dropped a result teomq did not write", err, "subject", msg.Subject())
		_ = msg.Term()
		return
	}
	if e.handOver(producer, r) {
		_ = msg.Ack()
		return
	}
	_ = msg.NakWithDelay(e.cfg.RetryDelay)
}

// connected reports whether producer has a connection here. Called with
// e.mu held.
func (e *Engine) connected(producer string) bool { return len(e.byAddr[producer]) > 0 }

// releaseMailbox stops producer's mailbox here once it has no connection
// left. Called with e.mu held, after its peer was removed.
func (e *Engine) releaseMailbox(producer string) {
	mb := e.mailboxes[producer]
	if mb == nil || e.connected(producer) {
		return
	}
	delete(e.mailboxes, producer)
	mb.stop()
}
