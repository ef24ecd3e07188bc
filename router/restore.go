package router

import (
	"cmp"
	"slices"
	"time"
)

// restoreState holds what the Restore methods were given until the first
// event places it.
type restoreState struct {
	msgs []restoredMsg
	dead []restoredDead
	kept map[string]int // messages of msgs by command
	// late holds the messages past their command's window that a group
	// not done with them had attempted: finishRestore counts them in the
	// tail, in Seq order with the messages around them, unless a group
	// holds one as a dead letter.
	late []restoredMsg
}

type restoredMsg struct {
	m        *Message
	ackedBy  []string
	attempts map[string]int
}

type restoredDead struct {
	m     *Message
	group string
}

// storedAt is where a stored message is: its command and Seq.
type storedAt struct {
	command string
	seq     uint64
}

func at(m *Message) storedAt { return storedAt{m.Command, m.Seq} }

func (r *Router) restoring() *restoreState {
	if r.restore == nil {
		r.restore = &restoreState{}
	}
	return r.restore
}

// Restore rebuilds a stored message m (m.Seq set) at start, before any
// event. The groups in ackedBy are done with it; attempts counts its
// deliveries per group. It goes to every durable group of its command not
// in ackedBy whose start covers it (to the default group if the command
// has none); a copy
// delivered before (in flight when the broker stopped) is queued as a
// redelivery. The command's Seq continues after the largest restored.
// Ephemeral groups are not restored: a request whose answer group was
// ephemeral gets no answer after a restart, only ResultTimeout at its
// deadline.
//
// With Config.Window set, a command's messages must come in Seq order:
// past its first RestoreHead(Window), a message is only counted in the command's tail,
// to be read back from the store with ActLoad, and m is not kept (but for
// a request's or a deadline's record, see Config.Window). So is one that
// a group had attempted (it comes again to that group when the group's
// reads reach it, and in order to the others), unless a group holds it as
// a dead letter (RestoreDeadLetter): that one is kept, ahead of the tail.
func (r *Router) Restore(m *Message, ackedBy []string, attempts map[string]int) {
	rs := r.restoring()
	if r.cfg.Window > 0 && r.pastWindow(rs, m.Command) {
		if !attemptedPending(attempts, ackedBy) {
			r.restoreToTail(m, ackedBy)
			return
		}
		rs.late = append(rs.late, restoredMsg{m: m, ackedBy: ackedBy, attempts: attempts})
		return
	}
	if rs.kept == nil {
		rs.kept = make(map[string]int)
	}
	rs.kept[m.Command]++
	rs.msgs = append(rs.msgs, restoredMsg{m: m, ackedBy: ackedBy, attempts: attempts})
}

// attemptedPending reports whether a group that is not done with a
// message (not in ackedBy) has attempts of it.
func attemptedPending(attempts map[string]int, ackedBy []string) bool {
	for g, a := range attempts {
		if a > 0 && !slices.Contains(ackedBy, g) {
			return true
		}
	}
	return false
}

// RestoreTail counts stored message seq of command, a plain message (a
// send without a deadline) with a payload of size bytes that no group has acked or
// attempted, in the command's tail at start, before any event, without
// the message itself: Load reads it when a group gets to it. Call it only
// with Config.Window set, for a message past the command's first
// RestoreHead(Config.Window) restored messages, in Seq order with those Restore is given.
func (r *Router) RestoreTail(command string, seq uint64, size int) {
	cmd := r.command(command)
	cmd.nextSeq = max(cmd.nextSeq, seq)
	r.countTail(cmd, &msgState{msg: &Message{Seq: seq}, cmd: cmd, size: int32(min(size, 1<<31-1))}, nil)
}

// TailSpan counts stored messages of a command past its window at start
// (see RestoreTailSpan): N plain messages that no durable group has
// attempted and not acked, Seq From to Last, of Bytes payload bytes in
// all; Takes says how many of them each durable group takes and has not
// acked.
type TailSpan struct {
	From, Last uint64
	N          int
	Bytes      int64
	Takes      map[string]int
}

// RestoreTailSpan counts span's messages of command in the command's tail
// at start, before any event, after RestoreGroup of the command's durable
// groups, without the messages themselves: Load reads them when a group
// gets to them. It is RestoreTail for many messages at once; they may
// come before or after the messages Restore is given past the window.
// Call it only with Config.Window set.
func (r *Router) RestoreTailSpan(command string, span TailSpan) {
	if span.N <= 0 {
		return
	}
	cmd := r.command(command)
	cmd.nextSeq = max(cmd.nextSeq, span.Last)
	t := &cmd.tail
	if t.n == 0 || span.From < t.from {
		t.from = span.From
	}
	t.n += span.N
	t.last = max(t.last, span.Last)
	t.bytes += span.Bytes
	cmd.active += span.N
	cmd.activeBytes += span.Bytes
	for _, g := range cmd.groups {
		g.tailN += span.Takes[g.name]
	}
}

// RestoreSeq tells the router at start, before any event, that the store
// finished every Seq of command up to seq: the command's next message
// takes a larger one.
func (r *Router) RestoreSeq(command string, seq uint64) {
	if cmd := r.commands[command]; cmd != nil {
		cmd.nextSeq = max(cmd.nextSeq, seq)
		return
	}
	r.keepLastSeq(command, seq)
}

// RestoreTailID keeps the ID of producer's message of command, counted
// in the command's tail at start (RestoreTail, RestoreTailSpan), in the
// dedup window for Config.DedupWindow from now, as a message going to
// the tail does: a duplicate publish of it is recognised. Call it at
// start, before any event.
func (r *Router) RestoreTailID(now time.Time, command string, id ID, producer string) {
	cmd := r.command(command)
	r.rememberTail(cmd, dedupKey{producer, id}, now.UnixNano()+int64(r.cfg.DedupWindow))
}

// RestoreGroup rebuilds durable group of command at start, before any
// event. The group takes the restored messages its start covers (a group
// gets the messages published after it exists), and the command's Seq
// continues at or after start.From.
func (r *Router) RestoreGroup(command, group string, start GroupStart) {
	cmd := r.command(command)
	g := cmd.group(group)
	if g == nil {
		g = cmd.addGroup(group, false)
	}
	g.from, g.also = start.From, slices.Clone(start.Also)
	slices.Sort(g.also)
	if start.From > 0 {
		cmd.nextSeq = max(cmd.nextSeq, start.From-1)
	}
}

// RestoreDeadLetter rebuilds message m in group's dead-letter queue at
// start, before any event. A dead letter of a group that was not restored
// (an ephemeral one) is dropped with ActDeadLetterDelete.
func (r *Router) RestoreDeadLetter(m *Message, group string) {
	rs := r.restoring()
	rs.dead = append(rs.dead, restoredDead{m: m, group: group})
}

// finishRestore places the restored messages and dead letters. Its actions
// are returned by the first event.
func (r *Router) finishRestore() {
	rs := r.restore
	r.restore = nil
	saved := r.acts
	r.acts = nil
	// A dead letter is its message's by command and Seq: another stored
	// message may have its ID.
	deadBy := make(map[storedAt][]restoredDead)
	for _, d := range rs.dead {
		deadBy[at(d.m)] = append(deadBy[at(d.m)], d)
	}
	for _, rm := range rs.late {
		if deadBy[at(rm.m)] != nil { // its dead letter is a queued copy
			rs.msgs = append(rs.msgs, rm)
			continue
		}
		r.restoreToTail(rm.m, rm.ackedBy)
	}
	r.defaultTailGroups()
	slices.SortStableFunc(rs.msgs, func(a, b restoredMsg) int {
		return cmp.Or(cmp.Compare(a.m.Command, b.m.Command), cmp.Compare(a.m.Seq, b.m.Seq))
	})
	// A message dead in a group takes its ID before another restored
	// message with that ID (the router knows live messages by their ID
	// alone): that one is placed after the dead letters, and waits for the
	// ID (see parked).
	deadIDs := make(map[ID]bool, len(rs.dead))
	for _, d := range rs.dead {
		deadIDs[d.m.ID] = true
	}
	var after []restoredMsg
	for _, rm := range rs.msgs {
		dead := deadBy[at(rm.m)]
		if dead == nil && deadIDs[rm.m.ID] {
			after = append(after, rm)
			continue
		}
		r.restoreMsg(rm.m, rm.ackedBy, rm.attempts, dead, true)
		delete(deadBy, at(rm.m))
	}
	for _, d := range rs.dead { // dead letters whose message was not restored
		if ds, ok := deadBy[at(d.m)]; ok {
			delete(deadBy, at(d.m))
			var acked []string // every group but those it is dead in
			for _, g := range r.command(d.m.Command).groups {
				acked = append(acked, g.name)
			}
			attempts := make(map[string]int, len(ds))
			for _, x := range ds {
				attempts[x.group] = r.cfg.MaxDeliveries
				acked = slices.DeleteFunc(acked, func(s string) bool { return s == x.group })
			}
			r.restoreMsg(d.m, acked, attempts, ds, false)
		}
	}
	for _, rm := range after {
		r.restoreMsg(rm.m, rm.ackedBy, rm.attempts, nil, true)
	}
	for key, ref := range r.dedup { // results of messages still queued
		if ms := r.live[key.id]; ms != nil && ms.msg.From == key.producer {
			r.forgetRef(key, ref)
			if e := ref.e; e != nil && e.answered {
				ms.res = e
			}
		} else if rec := r.tailRecs.get(key); rec != nil && ref.e != nil && ref.e.answered {
			r.forgetRef(key, ref)
			if rec.pendingAnswer() {
				rec.cmd.tail.uncountAnswer(rec.answerGroup)
			}
			rec.extra().res = ref.e
		}
	}
	r.carry = append(r.carry, r.acts...)
	r.acts = saved
}

// restoreMsg places one restored message, dead-lettered in the groups of
// dead. A stored message no group needs is deleted with a Last ack; one
// whose ID another restored message holds is parked (see parked).
func (r *Router) restoreMsg(m *Message, ackedBy []string, attempts map[string]int, dead []restoredDead, stored bool) {
	cmd := r.command(m.Command)
	live := r.live[m.ID]
	if live != nil && (!stored || len(dead) > 0 || m.Request || !m.Deadline.IsZero() || (live.cmd == cmd && live.msg.Seq == m.Seq)) {
		return
	}
	cmd.nextSeq = max(cmd.nextSeq, m.Seq)
	if len(cmd.groups) == 0 { // it takes every message restored
		r.announce(cmd.addGroup(DefaultGroup, false))
	}
	if live != nil { // a plain send whose ID another restored message holds
		cmd.active++ // counted while it waits
		cmd.activeBytes += int64(len(m.Data))
		r.park(cmd, Stored{Msg: m, AckedBy: ackedBy, Attempts: attempts}, cmd.takers(m.Seq, ackedBy), nil)
		return
	}
	var deadIn map[string]bool
	for _, d := range dead {
		if cmd.group(d.group) == nil {
			r.emit(Action{Kind: ActDeadLetterDelete, Msg: m, Group: d.group})
			continue
		}
		if deadIn == nil {
			deadIn = make(map[string]bool)
		}
		deadIn[d.group] = true
	}
	var groups []*group
	for _, g := range cmd.groups {
		if deadIn[g.name] || g.waitsFor(m.Seq, ackedBy) {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		if stored {
			r.emit(Action{Kind: ActAck, Msg: m, Last: true})
		}
		return
	}
	ms := newMsgState(cmd, m)
	ms.committed = true
	if len(attempts) == 0 && deadIn == nil && !r.loading {
		r.pageOut(cmd, ms) // a fresh copy in every group
	} else {
		cmd.residentBytes += ms.bytes()
	}
	r.live[m.ID] = ms
	r.place(ms, groups, attempts, deadIn)
}
