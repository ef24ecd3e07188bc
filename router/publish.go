package router

import (
	"fmt"
	"time"
)

// Admit checks a publish of m by conn and reserves its place in the queue.
// On success it sets m.Seq; the broker then stores m and calls Commit(m),
// or Abort(m) if storing failed. m must not be nil, and is owned by the
// Router from here on.
//
// A message ID is unique per producer (m.From): the dedup window holds
// each producer's IDs apart, so a publish never gets another producer's
// confirm or result.
//
// Errors: ErrBadName for a bad command name, or a request's bad
// AnswerGroup; ErrDuplicate when this producer published m.ID before: the
// message is still queued (or dead-lettered), or it finished less than
// Config.DedupWindow ago (the actions then re-send the result to conn, if
// the message was a request that has one); ErrIDInUse when another
// producer's message with m.ID is still queued (or dead-lettered);
// ErrNoAnswerGroup when a request names an AnswerGroup its command does
// not have (the default group needs no subscriber: Commit creates it);
// ErrQueueFull when the command has Config.MaxQueueLen messages admitted
// and not finished, or when m's payload would take the payload bytes of
// those past Config.MaxQueueBytes (dead letters do not count); the error
// names the limit.
func (r *Router) Admit(now time.Time, conn ConnID, m *Message) ([]Action, error) {
	r.begin()
	cmd := r.commands[m.Command]
	if cmd == nil {
		if err := ValidName(m.Command); err != nil {
			return r.acts, err
		}
	}
	if err := r.seen(now, conn, m); err != nil {
		return r.acts, err
	}
	if err := r.checkAnswerGroup(cmd, m); err != nil {
		return r.acts, err
	}
	if cmd == nil {
		cmd = r.command(m.Command)
		r.scheduleSweep(now.UnixNano())
	}
	cmd.used = true
	if err := r.checkQuota(cmd, m); err != nil {
		return r.acts, err
	}
	cmd.nextSeq++
	m.Seq = cmd.nextSeq
	cmd.reserved++
	ms := newMsgState(cmd, m)
	cmd.reservedBytes += ms.bytes()
	ms.admitted = now.UnixNano()
	r.live[m.ID] = ms
	return r.acts, nil
}

// Commit queues m, which Admit accepted and the broker stored, in every
// group of its command and dispatches it. The default group is created
// (durable, announced with ActGroup) when the command has no group, or
// when m is a request answered by the default group and the command has
// other groups only: the request waits there for a subscriber. A request
// whose named answer group was removed since Admit gets
// ResultNoAnswerGroup; one its producer cancelled meanwhile is withdrawn
// at once (see Cancel). A message that was not admitted, or was already
// committed or aborted, is ignored.
func (r *Router) Commit(now time.Time, m *Message) []Action {
	r.begin()
	ms := r.live[m.ID]
	if ms == nil || ms.msg != m || ms.committed {
		return r.acts
	}
	cmd := ms.cmd
	cmd.reserved--
	cmd.reservedBytes -= ms.bytes()
	cmd.published++
	ms.committed = true
	r.ensureGroups(cmd, m)
	if r.pageable(now.UnixNano(), cmd, ms) {
		r.toTail(now.UnixNano(), cmd, ms)
		return r.flush(now)
	}
	r.pageOut(cmd, ms)
	r.place(ms, cmd.groups, nil, nil)
	t := now.UnixNano()
	switch {
	case ms.cancelled: // cancelled while it was being stored
		r.withdraw(t, ms)
	default:
		r.checkAnswered(t, ms)
		if ms.expiredAt(t) {
			r.expire(t, ms)
		}
	}
	r.leaveToBack(t, ms)
	return r.flush(now)
}

// Abort releases the reservation Admit made for m and forgets its ID. A
// message that is not reserved is ignored.
func (r *Router) Abort(m *Message) {
	r.settle()
	ms := r.live[m.ID]
	if ms == nil || ms.msg != m || ms.committed {
		return
	}
	r.freeID(m.ID)
	ms.cmd.reserved--
	ms.cmd.reservedBytes -= ms.bytes()
}

// checkQuota returns ErrQueueFull, naming the limit, when cmd cannot take
// m: it holds Config.MaxQueueLen messages, or m's payload would take its
// payload bytes past Config.MaxQueueBytes.
func (r *Router) checkQuota(cmd *command, m *Message) error {
	if n := cmd.active + cmd.reserved; n >= r.cfg.MaxQueueLen {
		return fmt.Errorf("%w: command %q holds %d messages, the limit (max queue length) is %d",
			ErrQueueFull, cmd.name, n, r.cfg.MaxQueueLen)
	}
	held := cmd.activeBytes + cmd.reservedBytes
	if size := int64(len(m.Data)); held+size > r.cfg.MaxQueueBytes {
		return fmt.Errorf("%w: command %q holds %d bytes of payload, %d more would pass the limit (max queue bytes) of %d",
			ErrQueueFull, cmd.name, held, size, r.cfg.MaxQueueBytes)
	}
	return nil
}

// place gives the message an item in each of groups: queued fresh; or as
// a redelivery when attempts (by group name) says it was delivered before;
// or dead-lettered when dead names the group.
func (r *Router) place(ms *msgState, groups []*group, attempts map[string]int, dead map[string]bool) {
	if n := len(groups); n == 1 && cap(ms.items) == 1 {
		ms.items = ms.items[:1]
	} else {
		ms.items = make([]item, n)
	}
	for i, g := range groups {
		it := &ms.items[i]
		*it = item{ms: ms, group: g, idx: -1, slot: -1, state: stLoose}
		it.attempt = int32(min(max(attempts[g.name], 0), 1<<30))
		ms.left++
		ms.incActive()
		switch {
		case dead[g.name]:
			it.state = stDead
			it.idx = int32(len(g.dead))
			g.dead = append(g.dead, it)
			ms.decActive()
		case it.attempt > 0:
			r.toReady(it)
		case r.backs(g, ms.msg.Seq):
			r.toBack(it)
		default:
			r.toFresh(it)
		}
		if it.state != stBack {
			g.placed = max(g.placed, ms.msg.Seq)
		}
	}
	if ms.hasDeadline() {
		r.deadlines.push(ms)
	}
}

// checkAnswerGroup checks the AnswerGroup of request m of cmd (nil: a
// command not yet known): ErrBadName for a bad name, ErrNoAnswerGroup for
// a named group cmd does not have.
func (r *Router) checkAnswerGroup(cmd *command, m *Message) error {
	if !m.Request || m.AnswerGroup == DefaultGroup {
		return nil
	}
	if err := ValidName(m.AnswerGroup); err != nil {
		return fmt.Errorf("answer group: %w", err)
	}
	if cmd == nil || cmd.group(m.AnswerGroup) == nil {
		return fmt.Errorf("%w: %q of command %q", ErrNoAnswerGroup, m.AnswerGroup, m.Command)
	}
	return nil
}

// ensureGroups creates the default group of cmd before m is placed, when
// cmd has no group or m is a request the default group answers.
func (r *Router) ensureGroups(cmd *command, m *Message) {
	if len(cmd.groups) == 0 || (m.Request && m.AnswerGroup == DefaultGroup && cmd.group(DefaultGroup) == nil) {
		r.newGroup(cmd, DefaultGroup, false, m.Seq)
	}
}
