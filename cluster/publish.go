package cluster

import (
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
			e.host.Confirm(p.conn, p.id, unavailable(err))
		case <-e.exit:
			e.host.Confirm(p.conn, p.id, errClosed)
			return
		}
	}
}
