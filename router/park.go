package router

import (
	"cmp"
	"slices"
)

// parked is a stored message that a page of a tail or a back brought
// (or a restart restored) while another live message held its ID:
// another producer's message with the same ID, or its producer's sent
// again after the dedup window. The router keys live messages by their ID
// alone (answers, cancels and dead letters find them by it), so the
// message waits, in the store and counted, until the ID is free, and is
// then placed as the page would have placed it. Only plain sends are
// parked: a request or a message with a deadline keeps its tail record,
// which times it out.
type parked struct {
	cmd    *command
	s      Stored
	groups []*group // the groups it waits for (their parked counts)
	back   *group   // the group whose back it came from, or nil: the tail
}

// park keeps the stored message s of cmd until its ID is free, for the
// groups of groups; back is the group whose back it came from, if so.
func (r *Router) park(cmd *command, s Stored, groups []*group, back *group) {
	if len(groups) == 0 { // no group takes it any more
		m := s.Msg
		cmd.active--
		cmd.activeBytes -= int64(len(m.Data))
		r.emit(Action{Kind: ActAck, Msg: m, Last: true, Size: len(m.Data)})
		return
	}
	for _, g := range groups {
		g.parked++
	}
	if r.parked == nil {
		r.parked = make(map[ID][]*parked)
	}
	id := s.Msg.ID
	r.parked[id] = append(r.parked[id], &parked{cmd: cmd, s: s, groups: groups, back: back})
}

// freeID forgets the live message with id and, when a parked message
// waits for the ID, has the event's flush place it.
func (r *Router) freeID(id ID) {
	delete(r.live, id)
	if len(r.parked) == 0 {
		return
	}
	if _, ok := r.parked[id]; ok {
		r.freed = append(r.freed, id)
	}
}

// unpark places, for each ID freed during the event and still free, the
// first message parked for it. Placing one may free an ID again (it goes
// to a tail or a back at once): that ID is taken in turn; each turn
// places a parked message or none, so it ends.
func (r *Router) unpark(now int64) {
	for len(r.freed) > 0 {
		id := r.freed[len(r.freed)-1]
		r.freed = r.freed[:len(r.freed)-1]
		ps := r.parked[id]
		if len(ps) == 0 || r.live[id] != nil {
			continue
		}
		p := ps[0]
		if len(ps) == 1 {
			delete(r.parked, id)
		} else {
			r.parked[id] = ps[1:]
		}
		for _, g := range p.groups {
			g.parked--
		}
		s := p.s
		if b := p.back; b != nil {
			s.AckedBy = others(p.cmd, b) // a message that left memory for a back is its group's alone
		}
		r.placeStored(now, p.cmd, s, nil)
	}
}

// others returns the names of cmd's groups but g.
func others(cmd *command, g *group) []string {
	var out []string
	for _, x := range cmd.groups {
		if x != g {
			out = append(out, x.name)
		}
	}
	return out
}

// isParked reports whether message m of cmd is parked.
func (r *Router) isParked(cmd *command, m *Message) bool {
	for _, p := range r.parked[m.ID] {
		if p.cmd == cmd && p.s.Msg.Seq == m.Seq {
			return true
		}
	}
	return false
}

// dropParked drops g's copies of the messages parked for its command: a
// message no group waits for any more is deleted (a Last ack, in Seq
// order). It returns how many copies it dropped.
func (r *Router) dropParked(g *group) int {
	if g.parked == 0 {
		return 0
	}
	n := 0
	var gone []*parked
	for id, ps := range r.parked {
		for _, p := range ps {
			if i := slices.Index(p.groups, g); i >= 0 {
				p.groups = slices.Delete(p.groups, i, i+1)
				g.parked--
				n++
			}
		}
		ps = slices.DeleteFunc(ps, func(p *parked) bool {
			if len(p.groups) > 0 {
				return false
			}
			gone = append(gone, p)
			return true
		})
		if len(ps) == 0 {
			delete(r.parked, id)
		} else {
			r.parked[id] = ps
		}
	}
	slices.SortFunc(gone, func(a, b *parked) int { return cmp.Compare(a.s.Msg.Seq, b.s.Msg.Seq) })
	for _, p := range gone {
		m := p.s.Msg
		p.cmd.active--
		p.cmd.activeBytes -= int64(len(m.Data))
		r.emit(Action{Kind: ActAck, Msg: m, Last: true, Size: len(m.Data)})
	}
	return n
}
