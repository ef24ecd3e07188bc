package teomq

import (
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/teonet"
)

// statsSnapshot is a broker's state and counters at one moment, labelled
// as /metrics labels them: one scrape, or one poll of the dashboard.
type statsSnapshot struct {
	At       time.Time
	Ready    bool // the store is loaded and the router's state is in
	Router   router.Stats
	Go, Web  int // connections of Go peers and of browsers
	Commands []commandSample
}

// commandSample is one labelled command (or "_other") in a snapshot.
type commandSample struct {
	Command   string
	Published uint64
	Groups    []groupSample
}

// groupSample is one labelled (command, group) pair in a snapshot.
type groupSample struct {
	Group string

	// Gauges, from the router.
	Subscribers, Pending, InFlight, DeadLetters int

	// Counters since the broker started.
	Delivered, Redelivered, Expired, DeadLettered uint64
	Answers                                       [3]uint64 // by router.AnswerKind
}

// snapshot takes a statsSnapshot under b.mu: it walks the router's groups
// and the labelled series, not the messages. Before the store is loaded
// it has the connections only.
func (b *Broker) snapshot() statsSnapshot {
	var cluster []router.CommandInfo
	if b.cluster != nil && b.started.Load() {
		// Asked before b.mu is taken: the cluster answers over the network.
		cluster = b.clusterCommands()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	snap := statsSnapshot{At: time.Now()}
	for _, c := range b.conns {
		if _, web := c.ch.(*teonet.WebChannel); web {
			snap.Web++
		} else {
			snap.Go++
		}
	}
	if !b.started.Load() {
		return snap
	}
	snap.Ready = true
	snap.Router = b.router.Stats()
	set := &b.metrics.series
	gauges := make(map[*groupSeries]*groupSample)
	each := b.router.EachGroup
	if b.cluster != nil {
		snap.Router = clusterRouterStats(cluster, len(b.conns))
		each = func(fn func(*router.GroupStats)) { eachClusterGroup(cluster, fn) }
	}
	each(func(g *router.GroupStats) {
		s := set.group(g.Command, g.Group)
		x := gauges[s]
		if x == nil {
			x = &groupSample{}
			gauges[s] = x
		}
		x.Subscribers += g.Subscribers
		x.Pending += g.Pending
		x.InFlight += g.InFlight
		x.DeadLetters += g.DeadLetters
	})
	snap.Commands = make([]commandSample, 0, len(set.all))
	for _, c := range set.all {
		cs := commandSample{Command: c.name, Published: c.published, Groups: make([]groupSample, 0, len(c.groups)+1)}
		add := func(g *groupSeries) {
			gs := groupSample{Group: g.name}
			if x := gauges[g]; x != nil {
				gs = *x
				gs.Group = g.name
			}
			gs.Delivered, gs.Redelivered = g.delivered, g.redelivered
			gs.Expired, gs.DeadLettered, gs.Answers = g.expired, g.deadLettered, g.answers
			cs.Groups = append(cs.Groups, gs)
		}
		for _, g := range c.groups {
			add(g)
		}
		if c.other != nil {
			add(c.other)
		}
		snap.Commands = append(snap.Commands, cs)
	}
	return snap
}
