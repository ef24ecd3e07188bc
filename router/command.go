package router

import "slices"

// command is one command's queue: its groups and sequence counter.
type command struct {
	name     string
	ref      *Message // carries only Command: the Msg of ActGroup
	groups   []*group // in creation order
	nextSeq  uint64   // the last Seq assigned
	active   int      // committed messages with an item pending or in flight
	reserved int      // admitted messages not yet committed or aborted
	// activeBytes and reservedBytes are the payload bytes of the active
	// and the reserved messages: what Config.MaxQueueBytes bounds.
	activeBytes, reservedBytes int64
	// residentBytes is the payload bytes of committed messages held in
	// memory (not paged out): what Config.ResidentBytes bounds. fetching
	// is set while an ActFetch waits for its Fill.
	residentBytes int64
	fetching      bool
	tail          tail   // committed messages past the window, in the store only
	backing       *group // the group with a back; nil: none
	// mark is the tail mark of the dedup window's plain IDs of the tail's
	// messages (tailMark); nil until the first.
	mark *dedupEntry

	// Counts since the command was created (or restored), for rates.
	published, delivered, answered uint64

	// used is set by a publish or subscribe; the idle sweep clears it.
	// idleSince is when the sweep first found the command idle, valid
	// while idleSeen is set.
	used      bool
	idleSeen  bool
	idleSince int64
}

// tailMark returns the entry that the dedup window's plain IDs of cmd's
// tail messages share.
func (cmd *command) tailMark() *dedupEntry {
	if cmd.mark == nil {
		cmd.mark = &dedupEntry{tail: true, cmd: cmd, idx: -1, mark: true}
	}
	return cmd.mark
}

// command returns the command named name, creating it if needed. The name
// must have been validated.
func (r *Router) command(name string) *command {
	cmd := r.commands[name]
	if cmd == nil {
		cmd = &command{name: name, ref: &Message{Command: name}}
		if seq, ok := r.lastSeq[name]; ok {
			cmd.nextSeq = seq
			delete(r.lastSeq, name)
		}
		r.commands[name] = cmd
	}
	return cmd
}

// group returns the command's group named name, nil if it has none.
func (cmd *command) group(name string) *group {
	for _, g := range cmd.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// newGroup adds a group to cmd; a durable one is announced with ActGroup.
// The group starts with the next message, and takes those admitted and
// not yet committed too (Commit places them in the groups it finds), and
// the messages of also.
func (r *Router) newGroup(cmd *command, name string, ephemeral bool, also ...uint64) *group {
	g := cmd.addGroup(name, ephemeral)
	g.from = cmd.nextSeq + 1
	g.also = also
	if cmd.reserved > 0 {
		for _, ms := range r.live {
			if ms.cmd == cmd && !ms.committed {
				g.also = append(g.also, ms.msg.Seq)
			}
		}
	}
	slices.Sort(g.also)
	g.also = slices.Compact(g.also)
	if !ephemeral {
		r.announce(g)
	}
	return g
}

// announce emits the ActGroup that persists durable group g.
func (r *Router) announce(g *group) {
	r.emit(Action{Kind: ActGroup, Msg: g.cmd.ref, Group: g.name, Start: &GroupStart{From: g.from, Also: g.also}})
}

// addGroup adds a group to cmd.
func (cmd *command) addGroup(name string, ephemeral bool) *group {
	g := &group{cmd: cmd, name: name, ephemeral: ephemeral}
	g.ready = heap[*item]{less: bySeq, setIndex: setItemIndex}
	cmd.groups = append(cmd.groups, g)
	return g
}

func bySeq(a, b *item) bool                { return a.ms.msg.Seq < b.ms.msg.Seq }
func byWhen(a, b *item) bool               { return a.when < b.when }
func setItemIndex(it *item, i int)         { it.idx = int32(i) }
func byDeadline(a, b *msgState) bool       { return a.deadline() < b.deadline() }
func setDeadlineIndex(ms *msgState, i int) { ms.dlIdx = int32(i) }

// removeGroup removes the group g, which has no subscribers, and drops
// every copy it holds: loose ones (taken from its last subscriber),
// queued, delayed and dead ones. A message no other group needs is
// deleted. A request g was to answer gets ResultPurged with notify set
// (an operator removed it), ResultNoAnswerGroup otherwise (its ephemeral
// answer group went away).
func (r *Router) removeGroup(now int64, g *group, loose []*item, notify bool) {
	g.removed = true
	cmd := g.cmd
	cmd.groups = slices.DeleteFunc(cmd.groups, func(x *group) bool { return x == g })
	for _, it := range loose {
		r.drop(now, it, notify)
	}
	r.dropQueued(now, g, notify)
	for len(g.dead) > 0 {
		it := g.dead[0]
		r.take(it)
		r.emit(Action{Kind: ActDeadLetterDelete, Msg: it.ms.msg, Group: g.name})
		r.drop(now, it, notify)
	}
	r.answerGroupGone(now, g, notify)
	r.dropUnwantedTail(now, cmd)
}

// dropQueued drops g's copies that wait for a delivery: fresh, redelivered
// and delayed ones, those of its back and those parked for it. It
// returns how many it dropped.
func (r *Router) dropQueued(now int64, g *group, notify bool) int {
	n := 0
	for g.ready.len() > 0 {
		it := g.ready.top()
		r.take(it)
		r.drop(now, it, notify)
		n++
	}
	for it := g.fresh.pop(); it != nil; it = g.fresh.pop() {
		if it.state == stQueued {
			it.state = stLoose
			g.queued--
			r.drop(now, it, notify)
			n++
		}
	}
	g.stale = 0
	n += r.dropBack(now, g, notify)
	n += r.dropParked(g)
	var delayed []*item
	for _, it := range r.delayed.items {
		if it.group == g {
			delayed = append(delayed, it)
		}
	}
	for _, it := range delayed {
		r.take(it)
		r.drop(now, it, notify)
		n++
	}
	return n
}

// drop finishes the loose item it without an answer. If it is its
// request's answer group's copy, the request gets ResultPurged with notify
// set, ResultNoAnswerGroup otherwise, unless it has its result already.
func (r *Router) drop(now int64, it *item, notify bool) {
	if it.answers() {
		code := ResultNoAnswerGroup
		if notify {
			code = ResultPurged
		}
		r.result(now, it.ms, code, "", nil)
	}
	r.finish(now, it)
}
