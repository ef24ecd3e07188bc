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
}

// deadLetter moves the loose item it to its group's dead-letter queue;
// a request's producer gets ResultDeadLetter unless it has its result.
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
	r.result(now, it.ms, ResultDeadLetter, "", nil)
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
			out = append(out, DeadLetter{Msg: it.ms.msg, Group: g.name, Attempts: int(it.attempt)})
		}
	}
	return out
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
