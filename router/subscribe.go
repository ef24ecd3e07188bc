package router

import (
	"fmt"
	"slices"
	"time"
)

// Subscribe registers conn's subscription subID to command in group with
// credit messages in flight at most (clamped to MaxCredit), creating the group if needed: a
// durable one (announced with ActGroup) stays after its last subscriber
// leaves; an ephemeral one is removed with it. A durable subscription to
// an ephemeral group makes it durable. Waiting messages are dispatched.
//
// Errors: ErrBadName (the group may be DefaultGroup), ErrBadCredit for a
// credit below 1, ErrDuplicateSub when conn uses subID already.
func (r *Router) Subscribe(now time.Time, conn ConnID, subID uint32, command, group string, credit int, ephemeral bool) ([]Action, error) {
	r.begin()
	if err := ValidName(command); err != nil {
		return r.acts, fmt.Errorf("command: %w", err)
	}
	if group != DefaultGroup {
		if err := ValidName(group); err != nil {
			return r.acts, fmt.Errorf("group: %w", err)
		}
	}
	if credit < 1 {
		return r.acts, fmt.Errorf("%w: %d", ErrBadCredit, credit)
	}
	c := r.conn(conn)
	if c.sub(subID) != nil {
		return r.acts, fmt.Errorf("%w: %d", ErrDuplicateSub, subID)
	}
	cmd := r.command(command)
	cmd.used = true
	r.scheduleSweep(now.UnixNano())
	g := cmd.group(group)
	switch {
	case g == nil:
		g = r.newGroup(cmd, group, ephemeral)
	case g.ephemeral && !ephemeral:
		g.ephemeral = false
		r.announce(g)
	}
	s := &subscriber{conn: c, id: subID, group: g, credit: min(credit, MaxCredit)}
	c.subs = append(c.subs, s)
	g.addSub(s)
	r.markDirty(g)
	return r.flush(now), nil
}

// Unsubscribe ends conn's subscription subID. The messages it held are
// requeued at once (or dead-lettered) and dispatched; an ephemeral group
// left without subscribers is removed. Error: ErrUnknownSub.
func (r *Router) Unsubscribe(now time.Time, conn ConnID, subID uint32) ([]Action, error) {
	r.begin()
	c := r.conns[conn]
	var s *subscriber
	if c != nil {
		s = c.sub(subID)
	}
	if s == nil {
		return r.acts, fmt.Errorf("%w: %d", ErrUnknownSub, subID)
	}
	c.subs = slices.DeleteFunc(c.subs, func(x *subscriber) bool { return x == s })
	r.endSub(now.UnixNano(), s)
	return r.flush(now), nil
}

// SetCredit sets how many messages conn's subscription subID may have in
// flight. Credit 0 drains it: it gets no new deliveries. Lowering the
// credit takes back nothing already delivered. Errors: ErrBadCredit for a
// negative credit, ErrUnknownSub.
func (r *Router) SetCredit(now time.Time, conn ConnID, subID uint32, credit int) ([]Action, error) {
	r.begin()
	if credit < 0 {
		return r.acts, fmt.Errorf("%w: %d", ErrBadCredit, credit)
	}
	c := r.conns[conn]
	var s *subscriber
	if c != nil {
		s = c.sub(subID)
	}
	if s == nil {
		return r.acts, fmt.Errorf("%w: %d", ErrUnknownSub, subID)
	}
	s.group.setCredit(s, min(credit, MaxCredit))
	r.markDirty(s.group)
	return r.flush(now), nil
}

// endSub removes s from its group and requeues what it held; the caller
// removes it from its connection. An ephemeral group left empty is
// removed, dropping its messages.
func (r *Router) endSub(now int64, s *subscriber) {
	g := s.group
	held := slices.Clone(s.inflight)
	for _, it := range held {
		r.take(it)
	}
	g.removeSub(s)
	if g.ephemeral && len(g.subs) == 0 {
		r.removeGroup(now, g, held, false)
		return
	}
	for _, it := range held {
		r.requeue(now, it, 0)
	}
	r.markDirty(g)
}
