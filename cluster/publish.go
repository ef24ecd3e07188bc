package cluster

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// pendingConfirm is a publish waiting for the cluster's acknowledgement.
type pendingConfirm struct {
	conn router.ConnID
	id   router.ID
	ack  jetstream.PubAckFuture
}

// Publish stores m in its command's stream and confirms it once the
// cluster acknowledged it with its replicas (Host.Confirm). A resend of
// the same ID by the same producer within the dedup window, through any
// broker, is confirmed and not stored twice.
func (e *Engine) Publish(conn router.ConnID, m *router.Message) {
	if err := router.ValidName(m.Command); err != nil {
		e.host.Confirm(conn, m.ID, err)
		return
	}
	if err := e.ensureQueue(m); err != nil {
		e.host.Confirm(conn, m.ID, err)
		return
	}
	ack, err := e.js.PublishMsgAsync(encodeMessage(e.names.msgSubject(m.Command), m))
	if err != nil {
		e.host.Confirm(conn, m.ID, unavailable(err))
		return
	}
	select {
	case e.confirms <- pendingConfirm{conn: conn, id: m.ID, ack: ack}:
	case <-e.exit:
		e.host.Confirm(conn, m.ID, errClosed)
	}
}

// confirmLoop confirms publishes as the cluster acknowledges them, in the
// order they were made.
func (e *Engine) confirmLoop() {
	defer e.wg.Done()
	for {
		var p pendingConfirm
		select {
		case p = <-e.confirms:
		case <-e.exit:
			return
		}
		select {
		case <-p.ack.Ok():
			e.host.Confirm(p.conn, p.id, nil)
		case err := <-p.ack.Err():
			// Unknown whether it was stored (a leader change, a lost
			// acknowledgement): publish it again with its ID, which the
			// stream's dedup window makes safe, rather than have the
			// producer resend a message that may have been stored.
			msg := p.ack.Msg()
			e.do(func() { e.host.Confirm(p.conn, p.id, e.republish(msg, err)) })
		case <-e.exit:
			e.host.Confirm(p.conn, p.id, errClosed)
			return
		}
	}
}

// republishTime bounds republish's attempts.
const republishTime = 2 * apiTimeout

// republish publishes msg again, waiting for the cluster, until it is
// stored or republishTime passed; first is the error of the first publish.
func (e *Engine) republish(msg *nats.Msg, first error) error {
	ctx, cancel := context.WithTimeout(context.Background(), republishTime)
	defer cancel()
	err := first
	for ctx.Err() == nil {
		if _, err = e.js.PublishMsg(ctx, msg); err == nil {
			return nil
		}
		select {
		case <-time.After(probeRetry * 10):
		case <-ctx.Done():
		case <-e.exit:
			return errClosed
		}
	}
	return unavailable(err)
}
