package router

import (
	"cmp"
	"slices"
	"time"
)

// back is the stretch of a group's queue that waits in the store: a
// group's own tail. A durable group with no subscriber that holds
// Config.Window queued copies puts the copies of later messages there
// (item state stBack) instead of its queue, so that a group that is away
// does not fill memory while another group of its command drains the
// store. A message whose only copy still to deliver is in a back leaves
// memory (but a request or a message with a deadline: they keep their
// state, to be timed out, cancelled and answered, without a payload). When
// the group has subscribers again and its queue runs low, it reads its
// back in pages (ActLoadBack), in Seq order, before the rest of its
// command's queue. One group of a command at a time has a back
// (command.backing): a message that left memory is held by that group
// alone.
type back struct {
	from    uint64 // the Seq the next page reads from
	last    uint64 // the largest Seq in the back
	live    int    // copies in the back whose message is in memory (stBack items)
	n       int    // messages in the back held in the store only
	bytes   int64  // their payload bytes
	loading bool   // an ActLoadBack waits for its LoadBack
	asked   int    // n when that ActLoadBack was emitted
	at      uint64 // the Seq it reads from
	// gone holds the Seqs of live copies that left the back (their
	// message expired or was cancelled, the group was purged): a page read
	// before their ack may still bring them.
	gone seqSet
}

// pending is how many copies wait in the back.
func (b *back) pending() int { return b.live + b.n }

// backs reports whether g's fresh copy of message seq goes to g's back:
// the back holds copies that seq does not come before, or g is a durable
// group with no subscriber that holds Config.Window queued copies, all
// before seq, no other group of its command has a back, and seq does not
// go ahead of the command's tail (a back starts below the tail; a message
// that goes ahead of it stays in memory, in a back or not).
func (r *Router) backs(g *group, seq uint64) bool {
	if b := &g.back; b.pending() > 0 {
		return seq >= b.from
	}
	if t := &g.cmd.tail; t.n > 0 && seq >= t.from {
		return false // it goes ahead of the tail: a back starts below the tail
	}
	w := r.cfg.Window
	return w > 0 && len(g.subs) == 0 && !g.ephemeral && g.queued >= w && seq > g.placed && (g.cmd.backing == nil || g.cmd.backing == g)
}

// toBack puts the loose item it, which backs accepted, in its group's
// back.
func (r *Router) toBack(it *item) {
	g, seq := it.group, it.ms.msg.Seq
	b := &g.back
	if b.pending() == 0 {
		b.from, b.last = seq, seq
		g.cmd.backing = g
	}
	b.last = max(b.last, seq)
	b.live++
	it.state = stBack
}

// leaveToBack forgets the committed message ms when every copy of it still
// to deliver is in a back and it is a plain send (no request, no deadline)
// still wanted that did not go ahead of its command's tail: it is counted
// in that back, and its ID stays in the dedup window for
// Config.DedupWindow from its publish (from now for a restored one), as a
// tail message's does.
func (r *Router) leaveToBack(now int64, ms *msgState) {
	if !ms.committed || ms.left == 0 || ms.msg.Request || ms.hasDeadline() || ms.cancelled || ms.expired || r.live[ms.msg.ID] != ms {
		return
	}
	if t := &ms.cmd.tail; t.n > 0 && ms.msg.Seq >= t.from {
		return // it went ahead of the tail: the tail's pages know it by its being live
	}
	var in *item
	for i := range ms.items {
		switch it := &ms.items[i]; it.state {
		case stDone:
		case stBack:
			if in != nil {
				return
			}
			in = it
		default:
			return
		}
	}
	if in == nil {
		return
	}
	b := &in.group.back
	b.live--
	b.n++
	b.bytes += ms.bytes()
	r.freeID(ms.msg.ID)
	if !ms.paged {
		ms.cmd.residentBytes -= ms.bytes()
	}
	expires := now + int64(r.cfg.DedupWindow)
	if ms.admitted > 0 { // from its publish, as a send that goes to a tail; a restored one's may not be known
		expires = ms.admitted + int64(r.cfg.DedupWindow)
	}
	if expires > now {
		r.rememberTail(ms.cmd, dedupKey{ms.msg.From, ms.msg.ID}, expires)
	}
}

// loadBack asks for the next page of g's back (ActLoadBack), unless one
// is under way.
func (r *Router) loadBack(g *group) {
	b := &g.back
	if b.loading {
		return
	}
	b.loading = true
	b.asked = b.n
	b.at = b.from
	r.emit(Action{Kind: ActLoadBack, Msg: &Message{Command: g.cmd.name, Seq: b.from}, Group: g.name, Attempt: r.pageLen(g, b.n, b.bytes)})
}

// placeBack places the page of g's back that LoadBack was handed: the copies
// in it are queued in g, in Seq order; a message that left memory is
// restored. A page shorter than limit ends the back: the messages it held
// that the store does not have are forgotten.
func (r *Router) placeBack(now int64, g *group, msgs []Stored, limit int) {
	b := &g.back
	cmd := g.cmd
	placed := 0
	rest := others(cmd, g) // a message that left memory is g's alone
	for _, s := range msgs {
		m := s.Msg
		if b.pending() == 0 || m.Seq > b.last {
			break
		}
		if m.Seq < b.from {
			continue
		}
		b.from = m.Seq + 1
		if b.gone.has(m.Seq) {
			continue
		}
		live := r.live[m.ID]
		if live != nil && live.cmd == cmd && live.msg.Seq == m.Seq {
			if i := live.groupIndex(g); i >= 0 && live.items[i].state == stBack {
				b.live--
				r.toFresh(&live.items[i])
			}
			continue
		}
		if t := &cmd.tail; t.n > 0 && m.Seq >= t.from {
			continue // the tail's: what left memory for a back came before the tail
		}
		if r.isParked(cmd, m) {
			continue // the tail's, waiting for its ID: not a copy of the back
		}
		if b.n == 0 || !g.takes(m.Seq) || slices.Contains(s.AckedBy, g.name) || s.Attempts[g.name] > 0 {
			continue // not a copy of the back, which are fresh: a redelivery, maybe finished since the read
		}
		placed++
		b.n--
		b.bytes -= int64(len(m.Data))
		if live != nil { // another message holds its ID
			r.park(cmd, s, []*group{g}, g)
			continue
		}
		s.AckedBy = rest // a page read before the other groups' acks still has them
		r.placeStored(now, cmd, s, nil)
	}
	if lost := min(b.asked-placed, b.n); len(msgs) < limit && lost > 0 {
		bytes := b.bytes * int64(lost) / int64(b.n)
		b.n -= lost
		b.bytes -= bytes
		cmd.active -= lost
		cmd.activeBytes -= bytes
	}
	b.gone.prune(b.from, false) // endBack forgets them all once the back is empty
	r.endBack(g)
}

// placeStored restores the stored message s of cmd, read back from a tail
// or a back, in its groups, with res, if set, as the result its producer
// got. The message left the command's counts of active messages, which
// restoring it counts again.
func (r *Router) placeStored(now int64, cmd *command, s Stored, res *dedupEntry) {
	m := s.Msg
	cmd.active--
	cmd.activeBytes -= int64(len(m.Data))
	key := dedupKey{m.From, m.ID}
	ref, had := r.dedup[key]
	var published int64 // 0: not known
	if had && ref.e != nil && ref.e.tail {
		published = ref.expires - int64(r.cfg.DedupWindow) // kept from its going to the tail, at its publish
		r.forgetRef(key, ref)                              // the live message stands for it
		had = false
	}
	r.loading = true
	r.restoreMsg(m, s.AckedBy, s.Attempts, nil, true)
	r.loading = false
	if ms := r.live[m.ID]; ms != nil {
		if had {
			r.forgetRef(key, ref) // no entry has the key of a live message
		}
		if res != nil {
			ms.res = res
		}
		ms.admitted = published
		r.leaveToBack(now, ms)
	}
}

// dropBack drops the copies of g's back: those in memory as dropQueued
// does, those in the store only at once (ActPurge, keeping the messages
// the router holds). It returns how many it dropped. The IDs of the
// messages in the store only become those of finished messages when the
// command has no tail (whose IDs share their mark); else they stay marked
// until they expire.
func (r *Router) dropBack(now int64, g *group, notify bool) int {
	b := &g.back
	if b.pending() == 0 {
		return 0
	}
	cmd := g.cmd
	var its []*item
	if b.live > 0 {
		for _, ms := range r.live {
			if i := ms.groupIndex(g); ms.cmd == cmd && i >= 0 && ms.items[i].state == stBack {
				its = append(its, &ms.items[i])
			}
		}
		slices.SortFunc(its, func(a, b *item) int { return cmp.Compare(a.ms.msg.Seq, b.ms.msg.Seq) })
	}
	n := len(its) + b.n
	for _, it := range its {
		r.take(it)
		r.drop(now, it, notify)
	}
	if b.n > 0 {
		to := b.last
		if t := &cmd.tail; t.n > 0 {
			to = min(to, t.from-1) // what left memory came before the tail
		}
		r.emit(Action{Kind: ActPurge, Msg: cmd.ref, Purge: &PurgeRange{From: b.from, To: to, Keep: r.liveSeqs(cmd, b.from, to)}})
		cmd.active -= b.n
		cmd.activeBytes -= b.bytes
		b.n, b.bytes, b.asked = 0, 0, 0 // a page under way brings none of them back
		if cmd.tail.n == 0 {
			r.finishTailDedup(now, cmd)
		}
	}
	b.from = b.last + 1
	r.endBack(g)
	return n
}

// endBack lets another group of g's command have a back once g's is
// empty.
func (r *Router) endBack(g *group) {
	b := &g.back
	if b.pending() > 0 {
		return
	}
	b.gone.prune(b.from, !b.loading)
	if g.cmd.backing == g {
		g.cmd.backing = nil
	}
}

// LoadBack hands back the page of groupName's back that an ActLoadBack
// asked for, as Load does a page of a command's tail: from is the
// ActLoadBack's Msg.Seq, msgs in Seq order as the store holds them, ok set
// when the read succeeded (a page shorter than asked for then ends the
// back). A page the group is not waiting for (one of a group of that name
// deleted since) is ignored.
func (r *Router) LoadBack(now time.Time, command, groupName string, from uint64, msgs []Stored, limit int, ok bool) []Action {
	r.begin()
	var g *group
	if cmd := r.commands[command]; cmd != nil {
		g = cmd.group(groupName)
	}
	if g == nil || !g.back.loading || g.back.at != from {
		return r.flush(now)
	}
	g.back.loading = false
	if ok {
		r.placeBack(now.UnixNano(), g, msgs, limit)
	}
	r.markDirty(g)
	return r.flush(now)
}
