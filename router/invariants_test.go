package router

import (
	"fmt"
	"maps"
	"slices"
)

// CheckInvariants walks the router's whole state and reports the first
// inconsistency: counters that disagree with the items, items missing
// from the container their state names, heaps out of order, credit
// overrun by a delivery, a delivery with two holders. Tests call it after
// every event.
func (r *Router) CheckInvariants() error {
	if r.restore != nil {
		return nil
	}
	if len(r.dirty) != 0 {
		return fmt.Errorf("%d dirty groups after an event", len(r.dirty))
	}
	if err := r.checkHeaps(); err != nil {
		return err
	}
	if err := r.checkTailRecs(); err != nil {
		return err
	}
	type counts struct{ queued, flight, dead, ready, fresh, inRing, back int }
	per := make(map[*group]*counts)
	groupOK := make(map[*group]bool)
	for _, cmd := range r.commands {
		for _, g := range cmd.groups {
			if g.cmd != cmd || g.removed {
				return fmt.Errorf("group %q of %q: bad owner or removed", g.name, cmd.name)
			}
			groupOK[g] = true
			per[g] = &counts{}
			for i := 0; i < g.fresh.len(); i++ {
				if g.fresh.at(i).state == stQueued {
					per[g].inRing++
				}
			}
			if g.fresh.len()-per[g].inRing != g.stale {
				return fmt.Errorf("group %q: stale %d, ring has %d", g.name, g.stale, g.fresh.len()-per[g].inRing)
			}
		}
	}
	active := make(map[*command]int)
	activeBytes := make(map[*command]int64)
	resident := make(map[*command]int64)
	flights, delayed := 0, 0
	for id, ms := range r.live {
		if ms.msg.ID != id {
			return fmt.Errorf("live map key differs from message id")
		}
		if !ms.committed {
			if len(ms.items) != 0 {
				return fmt.Errorf("uncommitted message with items")
			}
			continue
		}
		if _, ok := r.dedup[dedupKey{ms.msg.From, id}]; ok {
			return fmt.Errorf("live message also in its producer's dedup window")
		}
		left, act := 0, 0
		for i := range ms.items {
			it := &ms.items[i]
			if it.ms != ms {
				return fmt.Errorf("item of wrong message")
			}
			if it.state != stDone && !groupOK[it.group] {
				return fmt.Errorf("seq %d: item %d in a removed group", ms.msg.Seq, it.state)
			}
			if ms.paged && it.state != stQueued && it.state != stBack && it.state != stDone {
				return fmt.Errorf("seq %d: paged out while in state %d", ms.msg.Seq, it.state)
			}
			c := per[it.group]
			switch it.state {
			case stQueued:
				c.queued++
				c.fresh++
			case stReady:
				c.queued++
				c.ready++
				if it.group.ready.items[it.idx] != it {
					return fmt.Errorf("seq %d: ready item not at its heap index", ms.msg.Seq)
				}
			case stDelayed:
				c.queued++
				delayed++
				if r.delayed.items[it.idx] != it {
					return fmt.Errorf("seq %d: delayed item not at its heap index", ms.msg.Seq)
				}
			case stFlight:
				c.flight++
				flights++
				s := it.holder
				if r.leases.items[it.idx] != it || s == nil || s.inflight[it.slot] != it || s.group != it.group {
					return fmt.Errorf("seq %d: in-flight item not held consistently", ms.msg.Seq)
				}
			case stDead:
				c.dead++
				if it.group.dead[it.idx] != it {
					return fmt.Errorf("seq %d: dead item not at its index", ms.msg.Seq)
				}
			case stBack:
				c.back++
				if b := &it.group.back; ms.msg.Seq < b.from || ms.msg.Seq > b.last || it.group.cmd.backing != it.group {
					return fmt.Errorf("seq %d: in the back of %q, which holds %d to %d (backing %v)", ms.msg.Seq, it.group.name, b.from, b.last, it.group.cmd.backing == it.group)
				}
			case stLoose:
				return fmt.Errorf("seq %d: loose item after an event", ms.msg.Seq)
			}
			if b := &it.group.back; it.state == stQueued && b.pending() > 0 && ms.msg.Seq >= b.from && ms.msg.Seq <= b.last {
				// A page read before its delivery and answer could not tell
				// it from a copy of the back (a redelivery it can: its
				// attempts were stored before).
				return fmt.Errorf("seq %d: a fresh copy inside the back of %q (%d to %d)", ms.msg.Seq, it.group.name, b.from, b.last)
			}
			if it.state != stDone {
				left++
			}
			if it.state != stDone && it.state != stDead {
				act++
			}
		}
		if int(ms.left) != left || int(ms.active) != act {
			return fmt.Errorf("seq %d: left %d/%d active %d/%d", ms.msg.Seq, ms.left, left, ms.active, act)
		}
		if left == 0 {
			return fmt.Errorf("seq %d: finished message still live", ms.msg.Seq)
		}
		if (ms.paged && ms.msg.Data != nil) || (!ms.paged && int(ms.size) != len(ms.msg.Data)) {
			return fmt.Errorf("seq %d: payload of %d bytes held, %d recorded, paged %v", ms.msg.Seq, len(ms.msg.Data), ms.size, ms.paged)
		}
		if ms.committed && !ms.paged {
			resident[ms.cmd] += ms.bytes()
		}
		if act > 0 {
			active[ms.items[0].group.cmd]++
			activeBytes[ms.items[0].group.cmd] += ms.bytes()

		}
		if (ms.dlIdx >= 0) != (ms.hasDeadline() && !ms.expired) {
			return fmt.Errorf("seq %d: deadline heap membership wrong", ms.msg.Seq)
		}
	}
	for g, c := range per {
		if c.queued != g.queued || c.flight != g.flight || c.dead != len(g.dead) || c.ready != g.ready.len() {
			return fmt.Errorf("group %q: counts %+v, group says queued %d flight %d dead %d ready %d",
				g.name, *c, g.queued, g.flight, len(g.dead), g.ready.len())
		}
		if c.back != g.back.live || g.back.n < 0 || g.back.bytes < 0 || (g.back.n == 0 && g.back.bytes != 0) {
			return fmt.Errorf("group %q: %d copies in its back, it counts %d, and %d messages of %d bytes in the store", g.name, c.back, g.back.live, g.back.n, g.back.bytes)
		}
		if (g.back.pending() > 0) != (g.cmd.backing == g) {
			return fmt.Errorf("group %q: back of %d copies, backing %v", g.name, g.back.pending(), g.cmd.backing == g)
		}
		if c.fresh != c.inRing {
			return fmt.Errorf("group %q: %d fresh items, %d in the ring", g.name, c.fresh, c.inRing)
		}
		free := 0
		for _, s := range g.subs {
			free += s.free()
			if s.group != g || !slices.Contains(s.conn.subs, s) || r.conns[s.conn.id] != s.conn {
				return fmt.Errorf("group %q: subscriber not registered", g.name)
			}
		}
		if free != g.free {
			return fmt.Errorf("group %q: free %d, subscribers have %d", g.name, g.free, free)
		}
	}
	parkedFor := make(map[*group]int)
	type cmdSeq struct {
		cmd string
		seq uint64
	}
	parkedSeqs := make(map[cmdSeq]bool)
	for id, ps := range r.parked {
		if len(ps) == 0 {
			return fmt.Errorf("no message parked for ID %x, yet it has an entry", id)
		}
		for _, p := range ps {
			if len(p.groups) == 0 || r.commands[p.cmd.name] != p.cmd {
				return fmt.Errorf("seq %d parked for %d groups of command %q", p.s.Msg.Seq, len(p.groups), p.cmd.name)
			}
			if k := (cmdSeq{p.cmd.name, p.s.Msg.Seq}); parkedSeqs[k] {
				return fmt.Errorf("seq %d of %q parked twice", k.seq, k.cmd)
			} else {
				parkedSeqs[k] = true
			}
			for _, g := range p.groups {
				parkedFor[g]++
			}
			active[p.cmd]++
			activeBytes[p.cmd] += int64(len(p.s.Msg.Data))
		}
	}
	for _, cmd := range r.commands {
		for _, g := range cmd.groups {
			if g.parked != parkedFor[g] {
				return fmt.Errorf("group %q: %d parked copies, it counts %d", g.name, parkedFor[g], g.parked)
			}
		}
		if cmd.tail.n < 0 || cmd.tail.bytes < 0 || (cmd.tail.n == 0 && cmd.tail.bytes != 0) {
			return fmt.Errorf("command %q: tail of %d messages, %d bytes", cmd.name, cmd.tail.n, cmd.tail.bytes)
		}
		for _, g := range cmd.groups {
			if g.tailN > cmd.tail.n {
				return fmt.Errorf("group %q: %d tail messages of %d", g.name, g.tailN, cmd.tail.n)
			}
		}
		active[cmd] += cmd.tail.n
		activeBytes[cmd] += cmd.tail.bytes
		for _, g := range cmd.groups {
			active[cmd] += g.back.n
			activeBytes[cmd] += g.back.bytes
		}
		if b := cmd.backing; b != nil && (b.cmd != cmd || b.removed) {
			return fmt.Errorf("command %q: backing group %q is not one of its groups", cmd.name, b.name)
		}
		if cmd.active != active[cmd] {
			return fmt.Errorf("command %q: active %d, counted %d", cmd.name, cmd.active, active[cmd])
		}
		if cmd.residentBytes != resident[cmd] {
			return fmt.Errorf("command %q: resident bytes %d, counted %d", cmd.name, cmd.residentBytes, resident[cmd])
		}
		if cmd.activeBytes != activeBytes[cmd] {
			return fmt.Errorf("command %q: active bytes %d, counted %d", cmd.name, cmd.activeBytes, activeBytes[cmd])
		}
	}
	if flights != r.leases.len() || delayed != r.delayed.len() {
		return fmt.Errorf("heaps: %d leases for %d in flight, %d delayed for %d", r.leases.len(), flights, r.delayed.len(), delayed)
	}
	return r.checkSideTables()
}

func (r *Router) checkSideTables() error {
	seen := make(map[*item]bool)
	for _, c := range r.conns {
		for _, s := range c.subs {
			for _, it := range s.inflight {
				if seen[it] || it.holder != s {
					return fmt.Errorf("in-flight item held twice or by another")
				}
				seen[it] = true
			}
		}
	}
	for addr, c := range r.producers {
		if c.addr != addr || r.conns[c.id] != c {
			return fmt.Errorf("producer %q: stale connection", addr)
		}
	}
	mail := 0
	for addr, box := range r.mailbox {
		if len(box) == 0 {
			return fmt.Errorf("empty mailbox kept for %q", addr)
		}
		for _, e := range box {
			if e.ref.From != addr || r.mailExp.items[e.idx] != e {
				return fmt.Errorf("mailbox %q: entry misplaced", addr)
			}
		}
		mail += len(box)
	}
	plain, tailIDs := 0, 0
	for key, ref := range r.dedup {
		e := ref.e
		if e != nil && e.tail {
			tailIDs++
		}
		if ref.plain() {
			if e != nil && e != e.cmd.mark {
				return fmt.Errorf("dedup ID %x: a mark that is not its command's", key.id)
			}
			plain++
			continue
		}
		inHeap := e.idx >= 0 && int(e.idx) < r.dedupExp.len() && r.dedupExp.items[e.idx] == e
		if e.key != key || ref.expires != e.expires || !inHeap {
			return fmt.Errorf("dedup entry misplaced")
		}
	}
	if mail != r.mailExp.len() || len(r.dedup) != r.dedupExp.len()+plain {
		return fmt.Errorf("mailbox %d/%d or dedup %d/%d+%d sizes differ", mail, r.mailExp.len(), len(r.dedup), r.dedupExp.len(), plain)
	}
	if tailIDs != r.tailDedup {
		return fmt.Errorf("dedup window: %d IDs of tail messages, %d counted", tailIDs, r.tailDedup)
	}
	for _, cmd := range r.commands {
		if m := cmd.mark; m != nil && (m.key != dedupKey{} || m.expires != 0 || m.idx != -1 || m.answered || m.cmd != cmd || !m.tail) {
			return fmt.Errorf("command %q: its tail mark is used as an entry of its own", cmd.name)
		}
	}
	for _, ms := range r.live {
		if ms.res != nil && ms.res.mark {
			return fmt.Errorf("message %x: a tail mark as its result", ms.msg.ID)
		}
	}
	for rec := range r.tailRecs.all() {
		if res := rec.result(); res != nil && res.mark {
			return fmt.Errorf("tail record %x: a tail mark as its result", rec.key.id)
		}
	}
	return r.checkPlainFIFO(plain)
}

// checkPlainFIFO checks that the plain FIFO is in order of expiry, holds
// a slot for each of the window's plain IDs, and counts its other slots
// as stale.
func (r *Router) checkPlainFIFO(plain int) error {
	f := &r.plainExp
	var slots []plainSlot
	f.each(func(s plainSlot) { slots = append(slots, s) })
	held := make(map[dedupKey]bool)
	for i, s := range slots {
		if i > 0 && s.expires < slots[i-1].expires {
			return fmt.Errorf("plain dedup FIFO out of order")
		}
		if r.isPlain(s) {
			held[s.key] = true
		}
	}
	if len(held) != plain || len(slots) != plain+f.stale || len(slots) != f.n {
		return fmt.Errorf("plain dedup FIFO: %d slots (%d counted), %d stale, for %d plain IDs (%d held)", len(slots), f.n, f.stale, plain, len(held))
	}
	if f.n > 0 && f.last != slots[len(slots)-1].expires {
		return fmt.Errorf("plain dedup FIFO: newest expiry %d, want %d", f.last, slots[len(slots)-1].expires)
	}
	return nil
}

func (r *Router) checkHeaps() error {
	if err := checkHeap(&r.leases, "leases"); err != nil {
		return err
	}
	if err := checkHeap(&r.delayed, "delayed"); err != nil {
		return err
	}
	if err := checkHeap(&r.deadlines, "deadlines"); err != nil {
		return err
	}
	if err := checkHeap(&r.tailDeadlines, "tail deadlines"); err != nil {
		return err
	}
	for _, cmd := range r.commands {
		for _, g := range cmd.groups {
			if err := checkHeap(&g.ready, "ready"); err != nil {
				return err
			}
		}
	}
	if err := checkHeap(&r.mailExp, "mailbox"); err != nil {
		return err
	}
	return checkHeap(&r.dedupExp, "dedup")
}

func checkHeap[T any](h *heap[T], name string) error {
	for i := 1; i < len(h.items); i++ {
		if h.less(h.items[i], h.items[(i-1)/2]) {
			return fmt.Errorf("%s heap out of order at %d", name, i)
		}
	}
	return nil
}

// SubLoad reports how many messages conn's subscription subID holds and
// its credit.
func (r *Router) SubLoad(conn ConnID, subID uint32) (inflight, credit int, ok bool) {
	c := r.conns[conn]
	if c == nil {
		return 0, 0, false
	}
	s := c.sub(subID)
	if s == nil {
		return 0, 0, false
	}
	return len(s.inflight), s.credit, true
}

// ResidentBytes is the payload bytes of command's messages held in memory.
func (r *Router) ResidentBytes(command string) int64 {
	if cmd := r.commands[command]; cmd != nil {
		return cmd.residentBytes
	}
	return 0
}

// IsLive reports whether message id is admitted and not finished.
func (r *Router) IsLive(id ID) bool { return r.live[id] != nil }

// Groups lists the names of command's groups in creation order.
func (r *Router) Groups(command string) []string {
	r.settle()
	cmd := r.commands[command]
	if cmd == nil {
		return nil
	}
	var out []string
	for _, g := range cmd.groups {
		out = append(out, g.name)
	}
	return out
}

// checkTailRecs checks that the records of tail messages belong to a
// non-empty tail at or past its start, with a deadline exactly when they
// are in the deadline heap, and that each tail counts the requests of its
// records still owed a result.
func (r *Router) checkTailRecs() error {
	answers := make(map[*command]map[string]int)
	inHeap := 0
	for rec := range r.tailRecs.all() {
		key := rec.key
		if got := r.tailRecs.get(key); got != rec {
			return fmt.Errorf("tail record %x of %q: the index finds %p for its key, not %p", key.id, rec.cmd.name, got, rec)
		}
		t := &rec.cmd.tail
		if t.n == 0 || (rec.seq < t.from && !t.loading) || rec.seq > t.last {
			return fmt.Errorf("tail record %x of %q: seq %d outside the tail (%d messages from %d to %d)", key.id, rec.cmd.name, rec.seq, t.n, t.from, t.last)
		}
		if (rec.deadline != 0) != (rec.idx >= 0) {
			return fmt.Errorf("tail record %x: deadline %d, heap index %d", key.id, rec.deadline, rec.idx)
		}
		if rec.idx >= 0 {
			inHeap++
		}
		if rec.pendingAnswer() {
			if answers[rec.cmd] == nil {
				answers[rec.cmd] = make(map[string]int)
			}
			answers[rec.cmd][rec.answerGroup]++
		}
	}
	if inHeap != r.tailDeadlines.len() {
		return fmt.Errorf("tail deadline heap holds %d, records %d", r.tailDeadlines.len(), inHeap)
	}
	for _, cmd := range r.commands {
		if !maps.Equal(answers[cmd], cmd.tail.answers) && (len(answers[cmd]) > 0 || len(cmd.tail.answers) > 0) {
			return fmt.Errorf("command %q: tail requests owed a result %v, counted %v", cmd.name, answers[cmd], cmd.tail.answers)
		}
	}
	return nil
}
