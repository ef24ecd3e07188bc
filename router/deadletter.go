package router

import (
	"slices"
	"time"
)

// DeadLetter is a message in a group's dead-letter queue.
type DeadLetter struct {
	Msg      *Message
	Group    string
	Attempts int // deliveries to the group before it was dead-lettered
	// LastError is the reason the last Retry answer gave, "" if none did.
	// It is not stored: a restart forgets it.
	LastError string
}

// deadLetter moves the loose item it to its group's dead-letter queue;
// when that is the request's answer group, its producer gets
// ResultDeadLetter unless it has its result.
func (r *Router) deadLetter(now int64, it *item) {
	g := it.group
	it.state = stDead
	it.idx = int32(len(g.dead))
	g.dead = append(g.dead, it)
	it.ms.decActive()
	r.emit(Action{Kind: ActDeadLetter, Msg: it.ms.msg, Group: g.name, Attempt: int(it.attempt)})
	if o := r.cfg.Observer; o != nil {
		o.DeadLettered(g.cmd.name, g.name)
	}
	if it.answers() {
		r.result(now, it.ms, ResultDeadLetter, "", nil)
	}
}

// DeadLetters lists the dead letters of command: group by group in
// creation order, each group's in Seq order. The slice is the caller's.
func (r *Router) DeadLetters(command string) []DeadLetter {
	r.settle()
	cmd := r.commands[command]
	if cmd == nil {
		return nil
	}
	var out []DeadLetter
	for _, g := range cmd.groups {
		for _, it := range sortedDead(g) {
			out = append(out, r.deadLetterOf(it))
		}
	}
	return out
}

func (r *Router) deadLetterOf(it *item) DeadLetter {
	return DeadLetter{Msg: it.ms.msg, Group: it.group.name, Attempts: int(it.attempt), LastError: r.lastErr[it]}
}

// FindDeadLetter returns message id's dead letter in command, in the
// first group (in creation order) that holds it, and whether there is one.
func (r *Router) FindDeadLetter(command string, id ID) (DeadLetter, bool) {
	r.settle()
	ms := r.live[id]
	if ms == nil || ms.msg.Command != command {
		return DeadLetter{}, false
	}
	for i := range ms.items {
		if it := &ms.items[i]; it.state == stDead {
			return r.deadLetterOf(it), true
		}
	}
	return DeadLetter{}, false
}

// OldestDeadLetters returns at most limit dead letters of command, the
// oldest (by Seq; a message dead in several groups once per group, in
// group creation order) first, and how many the command has in all. It
// walks the dead letters once, in O(n log limit). The slice is the
// caller's.
func (r *Router) OldestDeadLetters(command string, limit int) ([]DeadLetter, int) {
	r.settle()
	cmd := r.commands[command]
	if cmd == nil || limit <= 0 {
		return nil, r.deadCount(cmd)
	}
	// newest keeps the limit oldest seen so far with the newest on top.
	newest := heap[*item]{less: func(a, b *item) bool { return deadOlder(b, a) }, setIndex: func(*item, int) {}}
	total := 0
	for _, g := range cmd.groups {
		for _, it := range g.dead {
			total++
			if newest.len() < limit {
				newest.push(it)
			} else if deadOlder(it, newest.top()) {
				newest.pop()
				newest.push(it)
			}
		}
	}
	out := make([]DeadLetter, newest.len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = r.deadLetterOf(newest.pop())
	}
	return out, total
}

// deadOlder orders dead letters by Seq, then by their group's creation.
func deadOlder(a, b *item) bool {
	if sa, sb := a.ms.msg.Seq, b.ms.msg.Seq; sa != sb {
		return sa < sb
	}
	return a.ms.groupIndex(a.group) < b.ms.groupIndex(b.group)
}

// groupIndex is the index of g's item among the message's items, which
// follow the command's group order.
func (ms *msgState) groupIndex(g *group) int {
	for i := range ms.items {
		if ms.items[i].group == g {
			return i
		}
	}
	return -1
}

// deadCount counts cmd's dead letters; cmd may be nil.
func (r *Router) deadCount(cmd *command) int {
	n := 0
	if cmd != nil {
		for _, g := range cmd.groups {
			n += len(g.dead)
		}
	}
	return n
}

// PurgeDeadLetters deletes every dead letter of command, in every group,
// and returns the actions and how many it deleted. A message no group
// needs any more is deleted from the store. Error: ErrUnknownCommand.
func (r *Router) PurgeDeadLetters(now time.Time, command string) ([]Action, int, error) {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil {
		return r.acts, 0, ErrUnknownCommand
	}
	t, n := now.UnixNano(), 0
	for _, g := range cmd.groups {
		for _, it := range sortedDead(g) {
			r.take(it)
			r.emit(Action{Kind: ActDeadLetterDelete, Msg: it.ms.msg, Group: g.name})
			r.finish(t, it)
			n++
		}
	}
	return r.flush(now), n, nil
}

// Replay moves dead letters of command back to their group's queue, with
// their delivery count reset, ahead of fresh messages: those with the IDs
// in ids, or all when ids is nil. It returns the actions and how many
// moved back.
func (r *Router) Replay(now time.Time, command string, ids []ID) ([]Action, int) {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil {
		return r.acts, 0
	}
	var want map[ID]bool
	if ids != nil {
		want = make(map[ID]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
	}
	t, n := now.UnixNano(), 0
	for _, g := range cmd.groups {
		for _, it := range sortedDead(g) {
			if want != nil && !want[it.ms.msg.ID] {
				continue
			}
			r.take(it)
			delete(r.lastErr, it)
			it.attempt = 0
			m := it.ms.msg
			r.emit(Action{Kind: ActDeadLetterDelete, Msg: m, Group: g.name})
			r.emit(Action{Kind: ActAttempt, Msg: m, Group: g.name})
			r.requeue(t, it, 0)
			n++
		}
	}
	return r.flush(now), n
}

// sortedDead returns a copy of g's dead letters in Seq order.
func sortedDead(g *group) []*item {
	out := slices.Clone(g.dead)
	slices.SortFunc(out, func(a, b *item) int {
		switch {
		case a.ms.msg.Seq < b.ms.msg.Seq:
			return -1
		case a.ms.msg.Seq > b.ms.msg.Seq:
			return 1
		}
		return 0
	})
	return out
}
