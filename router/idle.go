package router

import (
	"slices"
	"strings"
)

// Idle commands. A command comes into being with its first publish or
// subscribe and would otherwise stay for the router's life, so that a
// client making up command names would grow the router without bound. Tick
// forgets a command that has been idle for Config.IdleTimeout: no message
// admitted and not finished, no dead letter, no subscriber, and no group
// but an empty default group, which the next publish creates again. A
// durable group keeps its command: it stays until deleted (DeleteGroup),
// and Commands shows it. Tick looks for idle commands every quarter of
// IdleTimeout, so a command is forgotten between IdleTimeout and 1.5 times
// it after it fell idle. A publish or subscribe in between starts the wait
// anew. Forgetting a command is what a restart does to it: its Seq starts
// again from 1 (the store keeps its messages apart).

// scheduleSweep makes sure a look for idle commands is due at the latest
// a sweep interval after now (unix ns).
func (r *Router) scheduleSweep(now int64) {
	if r.nextSweep == 0 {
		r.nextSweep = now + r.sweepInterval()
	}
}

func (r *Router) sweepInterval() int64 { return max(int64(r.cfg.IdleTimeout)/4, 1) }

// sweepIdle forgets the commands idle for IdleTimeout at now (unix ns), if
// a look is due, and schedules the next look while commands remain.
func (r *Router) sweepIdle(now int64) {
	if r.nextSweep == 0 || now < r.nextSweep {
		return
	}
	var gone []*command
	for _, cmd := range r.commands {
		idle := cmd.idle()
		switch {
		case !idle || cmd.used || !cmd.idleSeen:
			cmd.idleSeen, cmd.idleSince = idle, now
		case now-cmd.idleSince >= int64(r.cfg.IdleTimeout):
			gone = append(gone, cmd)
		}
		cmd.used = false
	}
	slices.SortFunc(gone, func(a, b *command) int { return strings.Compare(a.name, b.name) })
	for _, cmd := range gone {
		r.forgetCommand(cmd)
	}
	r.nextSweep = 0
	if len(r.commands) > 0 {
		r.nextSweep = now + r.sweepInterval()
	}
}

// idle reports whether cmd holds nothing worth keeping.
func (cmd *command) idle() bool {
	if cmd.active > 0 || cmd.reserved > 0 {
		return false
	}
	for _, g := range cmd.groups {
		if g.name != DefaultGroup || g.ephemeral || len(g.subs) > 0 || len(g.dead) > 0 || g.queued > 0 || g.flight > 0 {
			return false
		}
	}
	return true
}

// forgetCommand drops the idle command cmd; its stored default group goes
// with ActGroupDelete.
func (r *Router) forgetCommand(cmd *command) {
	for _, g := range cmd.groups {
		g.removed = true
		r.emit(Action{Kind: ActGroupDelete, Msg: cmd.ref, Group: g.name})
	}
	cmd.groups = nil
	delete(r.commands, cmd.name)
	r.keepLastSeq(cmd.name, cmd.nextSeq)
}

// keepLastSeq keeps seq as the last Seq of command, which the router does
// not hold (see Router.lastSeq).
func (r *Router) keepLastSeq(command string, seq uint64) {
	if seq == 0 {
		return
	}
	if r.lastSeq == nil {
		r.lastSeq = make(map[string]uint64)
	}
	r.lastSeq[command] = max(r.lastSeq[command], seq)
}
