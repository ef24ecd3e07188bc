package teomq

import (
	"fmt"
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/wire"
)

// restore rebuilds the router's state from the store: queues in order
// (messages that were in flight come back as requeued), durable groups,
// dead letters, the answer mailbox and the dedup window.
func (b *Broker) restore() error {
	start := time.Now()
	var n, dead int
	// Restored messages share their command and producer strings: with a
	// million messages from a few producers, that is most of their size
	// beyond the payload.
	names := make(map[string]string)
	intern := func(s string) string {
		if v, ok := names[s]; ok {
			return v
		}
		names[s] = s
		return s
	}
	load := b.store.Load
	if hl, ok := b.store.(store.HeadLoader); ok && b.cfg.window() > 0 {
		// Past the window, plain messages are only counted: Router.Load
		// reads them when consumers get to them.
		load = func(fn func(*store.Record) error) error {
			return hl.LoadHead(router.RestoreHead(b.cfg.window()), func(flags uint8, deadline int64) bool {
				return flags&wire.FlagRequest == 0 && deadline == 0
			}, fn)
		}
	}
	prepare := func(r *store.Record) {
		if m := r.Msg; m != nil {
			m.Command, m.From = intern(m.Command), intern(m.From)
		}
		r.Command, r.Producer = intern(r.Command), intern(r.Producer)
	}
	var tail int
	err := loadPipelined(load, prepare, func(r *store.Record) {
		switch r.Kind {
		case store.KindMessage:
			var attempts map[string]int // most restored messages were never delivered
			if len(r.Attempts) > 0 {
				attempts = make(map[string]int, len(r.Attempts))
				for g, a := range r.Attempts {
					attempts[g] = int(a)
				}
			}
			b.router.Restore(routerMessage(r.Msg), r.AckedBy, attempts)
			if a := r.Answer; a != nil { // its producer got this result: it gets no other
				b.router.RestoreDedup(router.ID(r.Msg.ID), r.Msg.From, routerResultCode(a.Code), a.From, a.Data, true, start.Add(router.DefaultDedupWindow))
			}
			n++
		case store.KindTail:
			b.router.RestoreTailSpan(r.Command, router.TailSpan{
				From: r.Seq, Last: r.Last, N: r.Count, Bytes: int64(r.Size), Takes: r.Takes})
			tail += r.Count
		case store.KindSeq:
			b.router.RestoreSeq(r.Command, r.Seq)
		case store.KindTailID:
			b.router.RestoreTailID(start, r.Command, router.ID(r.ID), r.Producer)
		case store.KindGroup:
			b.router.RestoreGroup(r.Command, r.Group, router.GroupStart{From: r.Seq, Also: r.Seqs})
		case store.KindDeadLetter:
			b.router.RestoreDeadLetter(routerMessage(r.Msg), r.Group)
			dead++
		case store.KindMailbox:
			a := r.Answer
			b.router.RestoreMailbox(router.ID(a.ID), a.Producer, routerResultCode(a.Code), a.From, a.Data, time.UnixMilli(r.Expires))
		case store.KindDedup:
			if a := r.Answer; a != nil {
				b.router.RestoreDedup(router.ID(r.ID), r.Producer, routerResultCode(a.Code), a.From, a.Data, true, time.UnixMilli(r.Expires))
			} else {
				b.router.RestoreDedup(router.ID(r.ID), r.Producer, 0, "", nil, false, time.UnixMilli(r.Expires))
			}
		}
	})
	if err != nil {
		return fmt.Errorf("teomq: restore from store: %w", err)
	}
	if n > 0 || dead > 0 || tail > 0 {
		b.log.Info("teomq: restored queues", "messages", n, "left_in_store", tail, "dead_letters", dead, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
