package router

import (
	"slices"
	"strings"
)

// CommandInfo describes one command's queue for an operator.
type CommandInfo struct {
	Name string
	// Messages is how many messages are not finished by every group that
	// got them (QueueLen): what Config.MaxQueueLen bounds.
	Messages int
	// Bytes is the payload bytes of those messages: what
	// Config.MaxQueueBytes bounds.
	Bytes int64
	// Copies summed over the groups: waiting for a delivery (incl. retry
	// delays), delivered and not answered, in dead-letter queues.
	Pending, InFlight, DeadLetters int
	// Counts since the command was created or restored: messages
	// committed, deliveries made, answers (replies and errors) taken.
	Published, Delivered, Answered uint64
	Groups                         []GroupInfo // in creation order
}

// GroupInfo describes one consumer group of a command.
type GroupInfo struct {
	Name      string // DefaultGroup is ""
	Ephemeral bool   // removed with its last subscriber; otherwise durable
	Pending   int    // copies waiting for a delivery (incl. retry delays)
	InFlight  int    // copies delivered and not answered
	Dead      int    // copies in the group's dead-letter queue
	Consumers []ConsumerInfo
}

// ConsumerInfo describes one subscription of a group.
type ConsumerInfo struct {
	Conn        ConnID
	Address     string // the consumer's address
	SubID       uint32
	Credit      int // deliveries it may hold at once
	Outstanding int // deliveries it holds
}

// Subscribers counts the subscriptions of every group of c.
func (c *CommandInfo) Subscribers() int {
	n := 0
	for _, g := range c.Groups {
		n += len(g.Consumers)
	}
	return n
}

// Commands describes every command, by name. It walks the commands, groups
// and subscriptions, not the messages. The slice is the caller's.
func (r *Router) Commands() []CommandInfo {
	r.settle()
	out := make([]CommandInfo, 0, len(r.commands))
	for _, cmd := range r.commands {
		out = append(out, cmd.info())
	}
	slices.SortFunc(out, func(a, b CommandInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Command describes the command named name, and reports whether the
// router knows it.
func (r *Router) Command(name string) (CommandInfo, bool) {
	r.settle()
	cmd := r.commands[name]
	if cmd == nil {
		return CommandInfo{}, false
	}
	return cmd.info(), true
}

func (cmd *command) info() CommandInfo {
	ci := CommandInfo{
		Name:      cmd.name,
		Messages:  cmd.active,
		Bytes:     cmd.activeBytes,
		Published: cmd.published,
		Delivered: cmd.delivered,
		Answered:  cmd.answered,
		Groups:    make([]GroupInfo, 0, len(cmd.groups)),
	}
	for _, g := range cmd.groups {
		gi := GroupInfo{
			Name:      g.name,
			Ephemeral: g.ephemeral,
			Pending:   g.queued + g.tailPending(),
			InFlight:  g.flight,
			Dead:      len(g.dead),
			Consumers: make([]ConsumerInfo, 0, len(g.subs)),
		}
		for _, s := range g.subs {
			gi.Consumers = append(gi.Consumers, ConsumerInfo{
				Conn: s.conn.id, Address: s.conn.addr, SubID: s.id,
				Credit: s.credit, Outstanding: len(s.inflight),
			})
		}
		ci.Pending += gi.Pending
		ci.InFlight += gi.InFlight
		ci.DeadLetters += gi.Dead
		ci.Groups = append(ci.Groups, gi)
	}
	return ci
}
