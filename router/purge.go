package router

import (
	"fmt"
	"time"
)

// PurgeQueue removes the messages of command that wait for a delivery, in
// every group: fresh ones, redeliveries and those waiting out a retry
// delay. It returns the actions and how many copies it removed (a message
// waiting in two groups counts twice).
//
// Messages in flight are left to finish: their consumers may still answer
// them, and one that comes back unanswered (a Retry, a lease end, a
// disconnect) is queued again as usual. Dead letters stay (see
// PurgeDeadLetters), and so do messages admitted and not yet committed. A
// request whose last copy is removed gets ResultPurged unless it has its
// result. Error: ErrUnknownCommand.
func (r *Router) PurgeQueue(now time.Time, command string) ([]Action, int, error) {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil {
		return r.acts, 0, ErrUnknownCommand
	}
	t, n := now.UnixNano(), 0
	for _, g := range cmd.groups {
		n += r.dropQueued(t, g, true)
	}
	n += r.purgeTail(t, cmd)
	return r.flush(now), n, nil
}

// DeleteGroup deletes group of command, which must have no subscribers:
// every copy it holds, waiting or dead-lettered, is acked (a message no
// other group needs is deleted) and its place in the command's queue
// length is freed; ActGroupDelete persists that the group is gone. It
// returns the actions and how many copies the group held. A request whose
// last copy this was gets ResultPurged unless it has its result. Deleting
// the default group is allowed: the next publish to a command left without
// groups creates it again.
//
// Errors: ErrUnknownCommand, ErrUnknownGroup, ErrGroupInUse (wrapped with
// the number of subscribers).
func (r *Router) DeleteGroup(now time.Time, command, group string) ([]Action, int, error) {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil {
		return r.acts, 0, ErrUnknownCommand
	}
	g := cmd.group(group)
	if g == nil {
		return r.acts, 0, ErrUnknownGroup
	}
	if len(g.subs) > 0 {
		return r.acts, 0, fmt.Errorf("%w: %d", ErrGroupInUse, len(g.subs))
	}
	n := g.queued + g.tailPending() + len(g.dead) // no subscriber: nothing in flight
	r.removeGroup(now.UnixNano(), g, nil, true)
	r.emit(Action{Kind: ActGroupDelete, Msg: cmd.ref, Group: g.name})
	return r.flush(now), n, nil
}
