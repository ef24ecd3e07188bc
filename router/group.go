package router

import "slices"

// group is a consumer group of a command: it gets a copy of every message
// published to the command after it was created, and its subscribers share
// those copies.
type group struct {
	cmd       *command
	name      string
	ephemeral bool // removed with its last subscriber
	removed   bool
	// from and also are the group's start: it takes the messages of Seq
	// from and up (from 0: every message), and those of also (sorted),
	// admitted before it existed and committed after.
	from  uint64
	also  []uint64
	dirty bool // queued for dispatch at the end of the event

	subs []*subscriber // in subscription order
	rr   int           // where the next subscriber search starts
	free int           // free credit summed over subs

	fresh  ring        // fresh items in Seq order (may hold stale ones)
	stale  int         // entries of fresh that left it early
	ready  heap[*item] // redeliveries by Seq: they go before fresh ones
	dead   []*item     // the dead-letter queue
	queued int         // items in fresh, ready, or delayed
	tailN  int         // messages of the command's tail the group takes
	parked int         // parked messages it waits for (see parked)
	back   back        // copies that wait in the store, ahead of the tail
	// placed is the largest Seq of a copy placed in the group other than
	// in its back: a back starts past it, so that no other copy of the
	// group falls in a back's range.
	placed uint64
	flight int // items in flight
}

// takes reports whether the group takes message seq of its command, by
// its start: a group gets the messages published after it exists.
func (g *group) takes(seq uint64) bool {
	if g.from == 0 || seq >= g.from {
		return true
	}
	_, found := slices.BinarySearch(g.also, seq)
	return found
}

// takesAny reports whether g takes a message of Seq from to to.
func (g *group) takesAny(from, to uint64) bool {
	if g.from == 0 || g.from <= to {
		return true
	}
	i, _ := slices.BinarySearch(g.also, from)
	return i < len(g.also) && g.also[i] <= to
}

// MaxCredit is the largest credit a subscription takes; more is clamped.
const MaxCredit = 1 << 31

// subscriber is one subscription of a connection to a group.
type subscriber struct {
	conn     *conn
	id       uint32
	group    *group
	credit   int
	inflight []*item
}

// free is how many more deliveries the subscriber may take.
func (s *subscriber) free() int { return max(0, s.credit-len(s.inflight)) }

// pick returns the subscriber with free credit and the fewest messages in
// flight, nil if none has credit. Ties go round robin, starting after the
// subscriber picked last.
func (g *group) pick() *subscriber {
	n := len(g.subs)
	if g.rr >= n {
		g.rr = 0
	}
	var best *subscriber
	at := 0
	for k := range n {
		i := g.rr + k
		if i >= n {
			i -= n
		}
		s := g.subs[i]
		if len(s.inflight) >= s.credit {
			continue
		}
		if best == nil || len(s.inflight) < len(best.inflight) {
			best, at = s, i
			if len(s.inflight) == 0 {
				break
			}
		}
	}
	g.rr = at + 1
	return best
}

// next takes the group's next message to deliver: redeliveries first, then
// fresh messages in order. It returns nil when none waits.
func (g *group) next() *item {
	if g.ready.len() > 0 {
		it := g.ready.pop()
		g.queued--
		it.state = stLoose
		return it
	}
	for {
		it := g.fresh.pop()
		if it == nil {
			return nil
		}
		if it.state != stQueued {
			g.stale--
			continue
		}
		g.queued--
		it.state = stLoose
		return it
	}
}

// head returns the item next would return, without taking it.
func (g *group) head() *item {
	if g.ready.len() > 0 {
		return g.ready.top()
	}
	g.dropStale()
	return g.fresh.peek()
}

// dropStale removes stale entries from the head of the fresh ring, and
// compacts the ring when most of it is stale: amortized O(1) per entry.
func (g *group) dropStale() {
	for it := g.fresh.peek(); it != nil && it.state != stQueued; it = g.fresh.peek() {
		g.fresh.pop()
		g.stale--
	}
	if g.stale > 64 && 2*g.stale > g.fresh.len() {
		g.fresh.filter(func(it *item) bool { return it.state == stQueued })
		g.stale = 0
	}
}

// addSub and removeSub keep subs and free in step.
func (g *group) addSub(s *subscriber) {
	g.subs = append(g.subs, s)
	g.free += s.free()
}

func (g *group) removeSub(s *subscriber) {
	for i, x := range g.subs {
		if x == s {
			g.subs = slices.Delete(g.subs, i, i+1)
			break
		}
	}
	g.free -= s.free()
}

// setCredit changes a subscriber's credit.
func (g *group) setCredit(s *subscriber, credit int) {
	g.free -= s.free()
	s.credit = credit
	g.free += s.free()
}
