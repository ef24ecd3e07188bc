package teomq

import (
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// pendingPublish is an admitted message on its way to the store.
type pendingPublish struct {
	conn *brokerConn
	msg  *router.Message
}

// maxCommitBatch bounds how many publishes share one store write.
const maxCommitBatch = 1024

// committers is how many commit loops run. With two, one loop's batch is
// being synced while the other confirms the batch it synced and gathers
// the next: the disk does not wait for the broker between syncs.
const committers = 2

// commitLoop group-commits admitted publishes: it takes every publish that
// queued up while the previous write was syncing and stores them with one
// synced write. Owned by the Broker: started by NewBroker, stopped by Close.
func (b *Broker) commitLoop() {
	defer b.wg.Done()
	batch := make([]*pendingPublish, 0, maxCommitBatch)
	for {
		select {
		case <-b.exit:
			b.abortQueued()
			return
		case p := <-b.commitQ:
			batch = append(batch[:0], p)
		}
	fill:
		for len(batch) < maxCommitBatch {
			select {
			case p := <-b.commitQ:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		b.commit(batch, b.unlock)
		clear(batch)
	}
}

// abortQueued refuses the publishes still queued at shutdown.
func (b *Broker) abortQueued() {
	for {
		select {
		case p := <-b.commitQ:
			b.mu.Lock()
			b.router.Abort(p.msg)
			b.unlock()
			p.conn.confirm(wire.ID(p.msg.ID), wire.CodeShutdown, "")
		default:
			return
		}
	}
}

// commit stores a batch of admitted publishes with one synced write, then
// queues them in the router and confirms them; if the write fails, none is
// confirmed and every producer gets the error. It releases b.mu with
// unlock.
func (b *Broker) commit(batch []*pendingPublish, unlock func()) {
	var err error
	if b.persist {
		ops := make([]store.Op, len(batch))
		msgs := make([]store.Message, len(batch))
		for i, p := range batch {
			msgs[i] = storeMessage(p.msg)
			ops[i] = store.Op{Kind: store.KindMessage, Command: p.msg.Command, Seq: p.msg.Seq, ID: p.msg.ID, Msg: &msgs[i]}
		}
		err = b.store.Write(ops, true)
	}

	b.mu.Lock()
	now := time.Now()
	if err != nil {
		b.setStoreErr(err)
	}
	for _, p := range batch {
		switch {
		case err != nil:
			b.router.Abort(p.msg)
			p.conn.queue(&wire.Confirm{ID: wire.ID(p.msg.ID), Code: wire.CodeStoreFailed, Message: err.Error()})
			continue
		case !p.msg.Request:
			// A request's result is its confirm: it saves a frame per
			// request, and its producer resends it after a reconnect anyway.
			p.conn.queue(&wire.Confirm{ID: wire.ID(p.msg.ID), Code: wire.CodeOK})
		}
		b.exec(b.router.Commit(now, p.msg))
		if b.cfg.OnPublish != nil {
			b.cfg.OnPublish(PublishInfo{
				ID: MessageID(p.msg.ID), Command: p.msg.Command, From: p.msg.From,
				Data: p.msg.Data, QueueLen: b.router.QueueLen(p.msg.Command),
			})
		}
	}
	unlock()
}

// storeMessage is m's stored form.
func storeMessage(m *router.Message) store.Message {
	sm := store.Message{
		Command: m.Command,
		Seq:     m.Seq,
		ID:      m.ID,
		From:    m.From,
		Data:    m.Data,
	}
	if !m.Deadline.IsZero() {
		sm.Deadline = m.Deadline.UnixMilli()
	}
	if m.Request {
		sm.Flags |= wire.FlagRequest
	}
	return sm
}

// routerMessage is sm's routed form.
func routerMessage(sm *store.Message) *router.Message {
	m := &router.Message{
		ID:      router.ID(sm.ID),
		Command: sm.Command,
		Seq:     sm.Seq,
		From:    sm.From,
		Request: sm.Flags&wire.FlagRequest != 0,
		Data:    sm.Data,
	}
	if sm.Deadline != 0 {
		m.Deadline = time.UnixMilli(sm.Deadline)
	}
	return m
}

// setStoreErr records the first store failure and reports it. Called with
// b.mu held.
func (b *Broker) setStoreErr(err error) {
	if b.storeErr == nil {
		b.storeErr = err
		b.log.Error("teomq: store failed: publishes are refused until the broker restarts on a healthy disk", "err", err)
	}
}
