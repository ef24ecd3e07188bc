package cluster

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// Answer takes conn's answer to attempt of message id. An attempt whose
// lease ran out was handed back to the cluster, which may have delivered
// it elsewhere: its answer is refused (router.ErrStaleAttempt), so that
// only the holder of the current attempt finishes a message.
func (e *Engine) Answer(conn router.ConnID, id router.ID, attempt int, kind router.AnswerKind, data []byte) error {
	if kind > router.Retry {
		return fmt.Errorf("%w: answer kind %d", router.ErrBadKind, kind)
	}
	now := time.Now()
	e.mu.Lock()
	d, err := e.holding(conn, id, attempt)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	p := d.s.p
	if now.After(d.lease) {
		p.expire(d, now, e.cfg.Lease)
		d.s.inflight--
		d.s.g.wakeUp()
		e.mu.Unlock()
		_ = d.msg.Nak()
		return fmt.Errorf("%w: its lease ended", router.ErrStaleAttempt)
	}
	p.remove(d)
	d.s.inflight--
	d.s.g.wakeUp()
	group, from := d.s.g.key.group, p.addr
	e.mu.Unlock()
	msg, m := d.msg, d.m
	switch kind {
	case router.Reply:
		e.answer(group, msg, m, result{id: m.ID, code: router.ResultOK, from: from, data: data})
	case router.Fail:
		e.answer(group, msg, m, result{id: m.ID, code: router.ResultRemoteError, from: from, data: data})
	case router.Retry:
		_ = msg.NakWithDelay(e.retryDelay(attempt))
	}
	return nil
}

// pendingAck is an answered message waiting for its result to be stored
// in its producer's mailbox before it is acked.
type pendingAck struct {
	msg      jetstream.Msg
	command  string
	producer string
	stored   jetstream.PubAckFuture
}

// answer finishes group's copy of m with its consumer's answer r: when
// group answers m's producer, r goes to the producer (live.go), and the
// message is acked once r was handed over or stored; otherwise it is
// acked at once. Neither waits for the cluster.
func (e *Engine) answer(group string, msg jetstream.Msg, m *router.Message, r result) {
	if !m.Request || group != m.AnswerGroup {
		_ = msg.Ack()
		return
	}
	// The ack waits for the result's way to the producer: the cluster's
	// ack timer starts again, so that it does not redeliver meanwhile.
	_ = msg.InProgress()
	e.sendLive(msg, m.Command, m.From, r)
}

// ackLoop acks answered messages once their results are stored in the
// mailbox, in the order they were stored, and hints their producers'
// brokers; after Close, until none is left.
func (e *Engine) ackLoop() {
	defer e.wg.Done()
	for {
		var p pendingAck
		select {
		case p = <-e.acks:
		case <-e.exit:
			select {
			case p = <-e.acks:
			default:
				return
			}
		}
		select {
		case <-p.stored.Ok():
			_ = p.msg.Ack()
			e.hint(p.producer)
		case err := <-p.stored.Err():
			e.logError("teomq: cluster: result not stored; the message will be redelivered", err, "command", p.command)
		}
	}
}

// holding returns conn's delivery of id as attempt, or
// router.ErrUnknownID, or router.ErrStaleAttempt if conn holds id as
// another attempt. Called with e.mu held.
func (e *Engine) holding(conn router.ConnID, id router.ID, attempt int) (*delivery, error) {
	p := e.peers[conn]
	if p == nil {
		return nil, fmt.Errorf("%w: %x", router.ErrUnknownID, id[:])
	}
	d, held := p.find(id, attempt)
	_, stale := p.stale[id]
	switch {
	case d != nil:
		return d, nil
	case held, stale:
		return nil, fmt.Errorf("%w: attempt %d", router.ErrStaleAttempt, attempt)
	}
	return nil, fmt.Errorf("%w: %x", router.ErrUnknownID, id[:])
}

// retryDelay is how long a message answered Retry at attempt waits.
func (e *Engine) retryDelay(attempt int) time.Duration {
	d := e.cfg.RetryDelay
	for i := 1; i < attempt && d < e.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, e.cfg.MaxRetryDelay)
}

// do hands f to the workers, which carry answers' effects to the cluster
// off the peers' goroutines. It waits while they are all busy.
func (e *Engine) do(f func()) {
	select {
	case e.work <- f:
	case <-e.exit:
	}
}

// workLoop runs what do hands over until Close, and then what is left:
// answers taken before Close still reach the cluster.
func (e *Engine) workLoop() {
	defer e.wg.Done()
	for {
		select {
		case f := <-e.work:
			f()
		case <-e.exit:
			for {
				select {
				case f := <-e.work:
					f()
				default:
					return
				}
			}
		}
	}
}
