package router

// Stats counts the router's state.
type Stats struct {
	Commands    int // commands known
	Groups      int // groups of all commands
	Subscribers int // subscriptions of all connections
	Conns       int // connections known
	Messages    int // messages admitted and not finished (incl. dead letters)
	Pending     int // group copies waiting for delivery (incl. retry delays)
	InFlight    int // group copies delivered and not answered
	DeadLetters int // group copies in dead-letter queues
	Mailbox     int // results waiting for their producer
	Dedup       int // finished message IDs in the dedup window
}

// Stats returns the router's counts. It walks the groups, not the
// messages.
func (r *Router) Stats() Stats {
	r.settle()
	st := Stats{
		Commands: len(r.commands),
		Conns:    len(r.conns),
		Messages: len(r.live),
		Mailbox:  r.mailExp.len(),
		Dedup:    len(r.dedup) - r.tailDedup,
	}
	for _, ps := range r.parked {
		st.Messages += len(ps)
	}
	for _, cmd := range r.commands {
		st.Messages += cmd.tail.n
		st.Groups += len(cmd.groups)
		for _, g := range cmd.groups {
			st.Subscribers += len(g.subs)
			st.Pending += g.queued + g.tailPending()
			st.Messages += g.back.n
			st.InFlight += g.flight
			st.DeadLetters += len(g.dead)
		}
	}
	return st
}
