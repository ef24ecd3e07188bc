package teomq

import (
	"slices"
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// pendingPublish is an admitted message on its way to the store.
type pendingPublish struct {
	conn     *brokerConn
	msg      *router.Message
	received time.Time // when the publish arrived
	// data is the message's payload, for OnPublish: the router may page
	// msg.Data out when it queues the message.
	data []byte

	// Set while the message's store write is applied but not yet synced
	// (guarded by b.mu): the message is already queued for consumers, and
	// the results of a request wait in results until the sync. failed is
	// set if the sync failed: its producer was told so, and results that
	// come later are dropped.
	unsynced bool
	failed   bool
	results  []heldResult
}

// heldResult is a request's result that waits for the request's sync.
type heldResult struct {
	conn  router.ConnID
	frame wire.Result
}

// maxCommitBatch bounds how many publishes share one store write.
const maxCommitBatch = 1024

// maxSyncing bounds how many store writes may wait for their sync at once;
// while that many do, publishes queue in commitQ.
const maxSyncing = 256

// maxLazyWait is how long the store changes that routing makes (acks,
// attempts...) may wait to share a write with publishes, which nearly
// always arrive sooner under load, before they are written by themselves.
const maxLazyWait = time.Millisecond

// syncingBatch is a batch of publishes whose store write has been applied.
type syncingBatch struct {
	batch []*pendingPublish
	write store.SyncedWrite // nil once durable or failed
	err   error
}

// commitLoop stores admitted publishes: it takes every publish queued
// since its last write and applies them with one store write. With a store
// that pipelines (store.Pipeliner) it does not wait for the write's sync:
// the messages go to consumers at once, the next write starts, and one
// sync covers every write applied while the previous sync ran. confirmLoop
// confirms each batch, in order, once it is durable; a request's result
// waits for that too. Owned by the Broker: started by NewBroker, stopped by
// Close.
func (b *Broker) commitLoop() {
	defer b.wg.Done()
	defer close(b.syncing)
	scratch := make([]*pendingPublish, 0, maxCommitBatch)
	var lazy []store.Op
	// lazyTimer bounds how long queued store changes wait for a publish to
	// ride with before they are written alone.
	lazyTimer := time.NewTimer(time.Hour)
	lazyTimer.Stop()
	defer lazyTimer.Stop()
	for {
		select {
		case <-b.exit:
			b.abortQueued()
			return
		case p := <-b.commitQ:
			scratch = append(scratch, p)
		case <-b.lazyWake:
			lazyTimer.Reset(maxLazyWait)
			continue
		case <-lazyTimer.C:
		}
	fill:
		for len(scratch) < maxCommitBatch {
			select {
			case p := <-b.commitQ:
				scratch = append(scratch, p)
			default:
				break fill
			}
		}
		lazy = b.takeLazy(lazy)
		if len(scratch) == 0 {
			b.writeLazy(lazy)
			clear(lazy)
			continue
		}
		batch := slices.Clone(scratch)
		clear(scratch)
		scratch = scratch[:0]
		s := b.apply(batch, lazy)
		clear(lazy)
		if s.write == nil {
			b.settle(batch, s.err, b.unlock)
			continue
		}
		b.syncing <- s
	}
}

// writeLazy writes store changes that exec queued, without a sync.
func (b *Broker) writeLazy(ops []store.Op) {
	if len(ops) == 0 {
		return
	}
	if err := b.store.Write(ops, false); err != nil {
		b.mu.Lock()
		b.setStoreErr(err)
		b.mu.Unlock()
		b.keepLazy(ops, err)
	}
}

// confirmLoop settles the batches commitLoop applied, in the order it
// applied them, once each is durable. Owned by the Broker: started by
// NewBroker; it ends when commitLoop, stopped by Close, closes b.syncing.
func (b *Broker) confirmLoop() {
	defer b.wg.Done()
	for s := range b.syncing {
		b.settle(s.batch, s.write.Wait(), b.unlock)
	}
}

// abortQueued refuses the publishes still queued at shutdown.
func (b *Broker) abortQueued() {
	for {
		select {
		case p := <-b.commitQ:
			b.mu.Lock()
			b.router.Abort(p.msg)
			b.metrics.refusedPublish(wire.CodeShutdown)
			p.conn.queue(&wire.Confirm{ID: wire.ID(p.msg.ID), Code: wire.CodeShutdown})
			b.unlock()
		default:
			return
		}
	}
}

// commit stores a batch of admitted publishes with one synced write and
// settles it, on the calling goroutine. It releases b.mu with unlock.
func (b *Broker) commit(batch []*pendingPublish, unlock func()) {
	s := b.apply(batch, nil)
	err := s.err
	if s.write != nil {
		err = s.write.Wait()
	}
	b.settle(batch, err, unlock)
}

// apply writes a batch to the store, after the store changes lazy that
// exec queued before it. A store that pipelines returns once
// the write is applied, before its sync: the batch's messages are then
// queued for consumers at once, with the results of requests held back
// until settle. Otherwise the write is complete on return, and settle
// queues the messages.
func (b *Broker) apply(batch []*pendingPublish, lazy []store.Op) syncingBatch {
	s := syncingBatch{batch: batch}
	if !b.persist {
		return s
	}
	ops := make([]store.Op, len(lazy), len(lazy)+len(batch))
	copy(ops, lazy)
	msgs := make([]store.Message, len(batch))
	for i, p := range batch {
		msgs[i] = storeMessage(p.msg)
		ops = append(ops, store.Op{Kind: store.KindMessage, Command: p.msg.Command, Seq: p.msg.Seq, ID: p.msg.ID, Msg: &msgs[i]})
	}
	if b.pipe == nil {
		s.err = b.store.Write(ops, true)
		b.keepLazy(lazy, s.err)
		return s
	}
	s.write, s.err = b.pipe.WriteNoWait(ops)
	if s.err != nil || s.write == nil {
		b.keepLazy(lazy, s.err)
		return s
	}
	// Applied: a later store write (an ack, say) follows it in the log, so
	// consumers may see the messages while the sync runs.
	b.mu.Lock()
	now := time.Now()
	for _, p := range batch {
		p.unsynced = true
		b.unsynced[p.msg.ID] = p
		b.metrics.published(p.msg.Command)
		b.exec(b.router.Commit(now, p.msg))
	}
	b.unlock()
	return s
}

// holdResult keeps a request's result while the request is not yet
// durable, and reports whether it did. Called with b.mu held.
func (b *Broker) holdResult(conn router.ConnID, f *wire.Result) bool {
	p := b.unsynced[router.ID(f.ID)]
	if p == nil {
		return false
	}
	if !p.failed {
		p.results = append(p.results, heldResult{conn: conn, frame: *f})
	}
	return true
}

// settle finishes a batch whose store write returned err: it confirms the
// publishes, releases the results held for them and queues the messages
// that apply did not queue yet. If the write failed, none is confirmed and
// every producer gets the error. It releases b.mu with unlock.
func (b *Broker) settle(batch []*pendingPublish, err error, unlock func()) {
	b.mu.Lock()
	now := time.Now()
	b.storeWritten(err)
	for _, p := range batch {
		if err != nil {
			// A message already handed to consumers stays with them until the
			// broker restarts; its producer is told it was not stored, and
			// gets no result for it (the failed entry stays in unsynced: the
			// broker takes no publishes any more, so such entries are few).
			p.failed, p.results = true, nil
			b.router.Abort(p.msg)
			b.metrics.refusedPublish(storeCode(err))
			p.conn.queue(&wire.Confirm{ID: wire.ID(p.msg.ID), Code: storeCode(err), Message: err.Error()})
			continue
		}
		if p.unsynced && b.unsynced[p.msg.ID] == p {
			delete(b.unsynced, p.msg.ID)
		}
		if !p.unsynced {
			b.metrics.published(p.msg.Command)
			b.exec(b.router.Commit(now, p.msg))
		}
		b.metrics.confirmed(p.received, now)
		// A request's result is its confirm: it saves a frame per request,
		// and its producer resends it after a reconnect anyway.
		if !p.msg.Request {
			p.conn.queue(&wire.Confirm{ID: wire.ID(p.msg.ID), Code: wire.CodeOK})
		}
		for i := range p.results {
			if c := b.conns[p.results[i].conn]; c != nil {
				c.queue(&p.results[i].frame)
			}
		}
		if b.notify != nil {
			b.notify.queue(PublishInfo{
				ID: MessageID(p.msg.ID), Command: p.msg.Command, From: p.msg.From,
				Data: p.data, QueueLen: b.router.QueueLen(p.msg.Command),
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

		AnswerGroup: m.AnswerGroup,
	}
	if !m.Deadline.IsZero() {
		sm.Deadline = m.Deadline.UnixMilli()
	}
	if m.Request {
		sm.Flags |= store.MessageRequest
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
		Request: sm.Flags&store.MessageRequest != 0,
		Data:    sm.Data,

		AnswerGroup: sm.AnswerGroup,
	}
	if sm.Deadline != 0 {
		m.Deadline = time.UnixMilli(sm.Deadline)
	}
	return m
}
