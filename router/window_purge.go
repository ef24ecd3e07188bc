package router

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// purgeTail drops cmd's tail: its messages leave the counts and the
// store at once (ActPurge), all but those of the tail's range the router
// holds. It returns how many copies the groups lose.
func (r *Router) purgeTail(now int64, cmd *command) int {
	t := &cmd.tail
	if t.n == 0 {
		return 0
	}
	copies := 0
	for _, g := range cmd.groups {
		copies += g.tailN
	}
	r.emit(Action{Kind: ActPurge, Msg: cmd.ref, Purge: &PurgeRange{From: t.from, To: t.last, Keep: r.liveSeqs(cmd, t.from, t.last)}})
	cmd.active -= t.n
	cmd.activeBytes -= t.bytes
	t.n, t.bytes, t.asked = 0, 0, 0 // a page under way brings none of them back
	t.from = t.last + 1
	for _, g := range cmd.groups {
		g.tailN = 0
	}
	r.finishTailDedup(now, cmd)
	r.purgeTailRecs(now, cmd)
	t.pruneGone()
	return copies
}

// liveSeqs returns the Seqs from from to to, in order, of cmd's messages
// the router holds (they went ahead of the tail, in flight or dead).
func (r *Router) liveSeqs(cmd *command, from, to uint64) []uint64 {
	var out []uint64
	for _, ms := range r.live {
		if ms.cmd == cmd && ms.msg.Seq >= from && ms.msg.Seq <= to {
			out = append(out, ms.msg.Seq)
		}
	}
	for _, ps := range r.parked {
		for _, p := range ps {
			if seq := p.s.Msg.Seq; p.cmd == cmd && seq >= from && seq <= to {
				out = append(out, seq)
			}
		}
	}
	slices.Sort(out)
	return out
}

// dropUnwantedTail purges cmd's tail when no group of it takes any of the
// tail's messages any more (the groups that did were removed). Messages
// of the tail that no group takes while another group takes later ones
// stay counted until a page reads them: Load then deletes them.
func (r *Router) dropUnwantedTail(now int64, cmd *command) {
	if cmd.tail.n == 0 {
		return
	}
	for _, g := range cmd.groups {
		if g.takesAny(cmd.tail.from, cmd.tail.last) {
			return
		}
	}
	r.purgeTail(now, cmd)
}

// finishTailDedup turns the dedup window's IDs of cmd's tail messages,
// which were purged, into those of finished messages, kept for
// Config.DedupWindow from now.
func (r *Router) finishTailDedup(now int64, cmd *command) {
	var keys []dedupKey
	for key, ref := range r.dedup {
		if e := ref.e; e != nil && e.tail && e.cmd == cmd {
			keys = append(keys, key)
		}
	}
	slices.SortFunc(keys, func(a, b dedupKey) int {
		return cmp.Or(strings.Compare(a.producer, b.producer), bytes.Compare(a.id[:], b.id[:]))
	})
	for _, key := range keys {
		r.forgetRef(key, r.dedup[key])
		r.addPlain(key, nil, now+int64(r.cfg.DedupWindow))
	}
}
