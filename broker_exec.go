package teomq

import (
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// exec carries out the router's actions: frames to peers (queued, and
// written by b.unlock) and changes to the store (queued in b.lazy for
// commitLoop, which writes them ahead of its next write, without a sync of
// their own). Called with b.mu held.
func (b *Broker) exec(acts []router.Action) {
	queued := len(b.lazy)
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case router.ActDeliver:
			if c := b.conns[a.Conn]; c != nil {
				d := &b.enc.deliver
				*d = wire.Deliver{
					SubID:    a.SubID,
					ID:       wire.ID(a.Msg.ID),
					Attempt:  uint32(a.Attempt),
					Deadline: unixMillis(a.Msg),
					From:     a.Msg.From,
					Command:  a.Msg.Command,
					Data:     a.Msg.Data,
				}
				c.queue(d)
				*d = wire.Deliver{} // holds no message past its encoding
			}
		case router.ActCancel:
			if c := b.conns[a.Conn]; c != nil {
				c.queue(&wire.Cancel{ID: wire.ID(a.Msg.ID)})
			}
		case router.ActFetch, router.ActLoad, router.ActLoadBack:
			b.queueFetch(a)
		case router.ActResult:
			f := &b.enc.result
			*f = wire.Result{ID: wire.ID(a.Msg.ID), Code: resultWireCode(a.Code), From: a.From, Data: a.Data}
			if !b.holdResult(a.Conn, f) {
				if c := b.conns[a.Conn]; c != nil {
					c.queue(f)
				}
			}
			*f = wire.Result{}
		default:
			if !b.persist {
				continue
			}
			if op, ok := storeOp(a); ok {
				b.lazy = append(b.lazy, op)
			}
		}
	}
	if queued == 0 && len(b.lazy) > 0 {
		select {
		case b.lazyWake <- struct{}{}:
		default:
		}
	}
}

// takeLazy returns the store changes that exec queued, in order, and
// empties the queue into spare, a slice takeLazy returned before and its
// caller has written.
func (b *Broker) takeLazy(spare []store.Op) []store.Op {
	b.mu.Lock()
	ops := b.lazy
	b.lazy = spare[:0]
	b.mu.Unlock()
	return ops
}

// storeOp is the store change an action asks for.
func storeOp(a *router.Action) (store.Op, bool) {
	m := a.Msg
	op := store.Op{Command: m.Command, Group: a.Group, Seq: m.Seq, ID: m.ID, Producer: m.From}
	switch a.Kind {
	case router.ActAck:
		op.Kind, op.Last, op.Size = store.KindAck, a.Last, max(a.Size, len(m.Data))
		if !a.Expires.IsZero() {
			op.Expires = a.Expires.UnixMilli()
		}
		if a.Answered {
			op.Answer = &store.Answer{ID: m.ID, Producer: m.From, Code: storeResultCode(a.Code), From: a.From, Data: a.Data}
		}
	case router.ActAttempt:
		op.Kind, op.Attempt = store.KindAttempt, uint32(a.Attempt)
	case router.ActDeadLetter:
		sm := storeMessage(m)
		sm.Attempt = uint32(a.Attempt)
		op.Kind, op.Msg = store.KindDeadLetter, &sm
	case router.ActDeadLetterDelete:
		op.Kind = store.KindDeadLetterDelete
	case router.ActGroup:
		op.Kind = store.KindGroup
		if s := a.Start; s != nil {
			op.Seq, op.Seqs = s.From, s.Also
		}
	case router.ActGroupDelete:
		op.Kind = store.KindGroupDelete
	case router.ActKeepResult:
		op.Kind = store.KindResult
		op.Answer = &store.Answer{ID: m.ID, Producer: m.From, Code: storeResultCode(a.Code), From: a.From, Data: a.Data}
	case router.ActPurge:
		op.Kind, op.Seq, op.To, op.Seqs = store.KindPurge, a.Purge.From, a.Purge.To, a.Purge.Keep
	case router.ActMailbox:
		op.Kind, op.Expires = store.KindMailbox, a.Expires.UnixMilli()
		op.Answer = &store.Answer{ID: m.ID, Producer: m.From, Code: storeResultCode(a.Code), From: a.From, Data: a.Data}
	case router.ActMailboxDelete:
		op.Kind = store.KindMailboxDelete
	default:
		return op, false
	}
	return op, true
}

// unixMillis is m's deadline in unix milliseconds, 0 for none.
func unixMillis(m *router.Message) int64 {
	if m.Deadline.IsZero() {
		return 0
	}
	return m.Deadline.UnixMilli()
}
