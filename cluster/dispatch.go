package cluster

import (
	"context"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// dispatch hands msg, which g's pull brought, to one of g's subscribers,
// or finishes it: past its deadline (a timeout result), past the
// deliveries allowed (a dead letter), or back to the cluster when no
// subscriber takes it now.
func (e *Engine) dispatch(g *group, msg jetstream.Msg) {
	if msg.Headers().Get(hdrProbe) != "" {
		_ = msg.Ack()
		e.mu.Lock()
		g.requested--
		e.mu.Unlock()
		return
	}
	m, err := decodeMessage(msg.Headers(), msg.Data())
	if err != nil {
		e.logError("teomq: cluster: dropped a message teomq did not write", err, "subject", msg.Subject())
		_ = msg.Term()
		e.mu.Lock()
		g.requested--
		e.mu.Unlock()
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	now := time.Now()
	e.mu.Lock()
	g.requested--
	switch {
	case e.closed || g.ctx.Err() != nil:
		// The group stopped (its last subscriber left, or Close): this
		// came from the pull still under way.
		e.mu.Unlock()
		_ = msg.Nak()
		return
	case !m.Deadline.IsZero() && !now.Before(m.Deadline):
		e.mu.Unlock()
		e.do(func() { e.finish(g.key.group, msg, m, router.ResultTimeout, "", nil, jetstream.Msg.Term) })
		return
	case attempt > e.cfg.MaxDeliveries:
		e.mu.Unlock()
		e.do(func() { e.deadLetter(g.key.group, msg, m, attempt-1) })
		return
	}
	s := g.pick()
	if s == nil {
		// The subscriber left meanwhile: the cluster redelivers it.
		e.mu.Unlock()
		_ = msg.NakWithDelay(e.cfg.RetryDelay)
		return
	}
	// The cluster's ack timer started when a server sent msg, moments ago:
	// the lease counts from its arrival here, and the lease's margin to
	// AckWait (leaseFor) covers the moments.
	d := &delivery{s: s, msg: msg, m: m, attempt: attempt, lease: now.Add(g.lease), progress: now}
	s.inflight++
	s.p.add(d)
	conn, subID := s.p.conn, s.id
	e.mu.Unlock()
	if !e.host.Deliver(conn, subID, m, attempt) {
		if e.take(conn, d) {
			_ = msg.Nak()
		}
	}
}

// take removes delivery d from conn's flights if it is still there, and
// reports whether it was.
func (e *Engine) take(conn router.ConnID, d *delivery) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.peers[conn]
	if p == nil || !p.remove(d) {
		return false
	}
	d.s.inflight--
	d.s.g.wakeUp()
	return true
}

// finish ends group's copy of m: if group answers m's producer, the result
// goes to the producer's mailbox first; then done (Ack or Term) tells the
// cluster. Called off e.mu; it waits for the cluster.
func (e *Engine) finish(group string, msg jetstream.Msg, m *router.Message, code router.ResultCode, from string, data []byte, done func(jetstream.Msg) error) {
	if m.Request && group == m.AnswerGroup {
		r := result{id: m.ID, code: code, from: from, data: data}
		if err := e.sendResult(m.From, r); err != nil {
			// The message comes back after AckWait, and is answered
			// again then.
			e.logError("teomq: cluster: result not stored; the message will be redelivered", err, "command", m.Command)
			return
		}
	}
	if err := done(msg); err != nil {
		e.logError("teomq: cluster: ack failed; the message may be redelivered", err, "command", m.Command)
	}
}

// sendResult stores r in producer's mailbox and waits for the cluster.
func (e *Engine) sendResult(producer string, r result) error {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	if _, err := e.js.PublishMsg(ctx, encodeResult(e.names.answerSubject(producer), producer, r)); err != nil {
		return err
	}
	e.hint(producer)
	return nil
}

// deadLetter moves group's copy of m to the group's dead letters after
// attempts deliveries, and gives a request its dead-letter result.
func (e *Engine) deadLetter(group string, msg jetstream.Msg, m *router.Message, attempts int) {
	dl := encodeMessage(e.names.deadSubject(m.Command, group), m)
	dl.Header.Del(jetstream.MsgIDHeader)
	dl.Header.Set(hdrAttempts, strconv.Itoa(attempts))
	dl.Header.Set(hdrGroup, group)
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	if _, err := e.js.PublishMsg(ctx, dl); err != nil {
		e.logError("teomq: cluster: dead letter not stored; the message will be redelivered", err, "command", m.Command)
		_ = msg.NakWithDelay(e.cfg.RetryDelay)
		return
	}
	e.finish(group, msg, m, router.ResultDeadLetter, "", nil, jetstream.Msg.Term)
}
