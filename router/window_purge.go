package router

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// purgeTail drops cmd's tail: its messages leave the counts at once and
// are read back only to be deleted. It returns how many copies the groups
// lose.
func (r *Router) purgeTail(now int64, cmd *command) int {
	t := &cmd.tail
	if t.n == 0 {
		return 0
	}
	copies := 0
	for _, g := range cmd.groups {
		copies += g.tailPending()
	}
	if t.purging == 0 {
		t.purgeFrom = t.from
	}
	t.purgeTo = t.last
	t.purging += t.n
	cmd.active -= t.n
	cmd.activeBytes -= t.bytes
	t.n, t.bytes = 0, 0
	for _, g := range cmd.groups {
		g.tailN = 0
	}
	r.finishTailDedup(now, cmd)
	r.purgeTailRecs(now, cmd)
	r.loadPurged(cmd)
	return copies
}

// loadPurged asks for the next page of purged messages (ActLoad), if
// some are left and no load is under way.
func (r *Router) loadPurged(cmd *command) {
	t := &cmd.tail
	if t.purging == 0 || t.loading {
		return
	}
	t.loading, t.purgeLoad = true, true
	r.emit(Action{Kind: ActLoad, Msg: &Message{Command: cmd.name, Seq: t.purgeFrom}, Attempt: max(r.cfg.Window, 1)})
}

// deletePurged deletes the purged messages of a page (a Last ActAck
// each); a short page, or one past purgeTo, ends the purge.
func (r *Router) deletePurged(now int64, cmd *command, msgs []Stored, limit int) {
	t := &cmd.tail
	for _, s := range msgs {
		m := s.Msg
		if m.Seq > t.purgeTo {
			t.purging = 0
			break
		}
		if m.Seq < t.purgeFrom || r.live[m.ID] != nil {
			continue
		}
		t.purgeFrom = m.Seq + 1
		if t.skips(m.Seq) { // expired or cancelled in the tail: deleted
			continue
		}
		t.purging = max(t.purging-1, 0)
		var res *dedupEntry
		if e := r.dedup[dedupKey{m.From, m.ID}].e; e != nil && e.answered && m.Request {
			res = e // the result its producer got when the tail was purged
		}
		r.ackStored(now+int64(r.cfg.DedupWindow), cmd, m, len(m.Data), nil, res, false)
	}
	if len(msgs) < limit {
		t.purging = 0
	}
	t.pruneGone()
}

// dropUnwantedTail purges cmd's tail when no group of it takes the tail's
// messages any more (the groups that did were removed).
func (r *Router) dropUnwantedTail(now int64, cmd *command) {
	if cmd.tail.n == 0 {
		return
	}
	for _, g := range cmd.groups {
		if g.takes(cmd.tail.from) {
			return
		}
	}
	r.purgeTail(now, cmd)
}

// finishTailDedup turns the dedup entries of cmd's tail messages, which
// were purged, into those of finished messages, kept for
// Config.DedupWindow from now.
func (r *Router) finishTailDedup(now int64, cmd *command) {
	var es []*dedupEntry
	for _, ref := range r.dedup {
		if e := ref.e; e != nil && e.tail && e.cmd == cmd {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *dedupEntry) int {
		return cmp.Or(strings.Compare(a.key.producer, b.key.producer), bytes.Compare(a.key.id[:], b.key.id[:]))
	})
	for _, e := range es {
		e.tail, e.cmd = false, nil
		r.tailDedup--
		r.remember(e, now+int64(r.cfg.DedupWindow))
	}
}
