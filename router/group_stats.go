package router

// GroupStats counts one consumer group's state.
type GroupStats struct {
	Command     string
	Group       string // DefaultGroup for the point-to-point group
	Durable     bool   // stays after its last subscriber leaves
	Subscribers int    // subscriptions of connected peers
	Pending     int    // copies waiting for delivery (incl. retry delays)
	InFlight    int    // copies delivered and not answered
	DeadLetters int    // copies in the group's dead-letter queue
}

// EachGroup calls fn for every group of every command: commands in no
// particular order, a command's groups in creation order. It walks the
// groups, not the messages. fn must not call the Router; the GroupStats
// is reused after fn returns.
func (r *Router) EachGroup(fn func(*GroupStats)) {
	r.settle()
	var st GroupStats
	for _, cmd := range r.commands {
		for _, g := range cmd.groups {
			st = GroupStats{
				Command:     cmd.name,
				Group:       g.name,
				Durable:     !g.ephemeral,
				Subscribers: len(g.subs),
				Pending:     g.queued + g.tailPending(),
				InFlight:    g.flight,
				DeadLetters: len(g.dead),
			}
			fn(&st)
		}
	}
}
