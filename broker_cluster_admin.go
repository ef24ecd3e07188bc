package teomq

import (
	"fmt"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// operateCluster carries out an operator request against the cluster
// engine: its figures and changes span every broker of the cluster.
func (b *Broker) operateCluster(op wire.AdminOp, command string, args *adminArgs, reply *wire.AdminReply) (any, error) {
	e := b.cluster
	switch op {
	case wire.AdminStats:
		return b.Stats(), nil
	case wire.AdminCommands:
		infos, err := e.Commands()
		if err != nil {
			return nil, err
		}
		return b.commandListOf(infos), nil
	case wire.AdminDeadLetters:
		dls, total, err := e.DeadLetters(command, MaxListedDeadLetters)
		if err != nil {
			return nil, err
		}
		return b.deadLetterListOf(dls, total), nil
	case wire.AdminDeadLetter:
		if len(args.IDs) != 1 {
			return nil, fmt.Errorf("%w: want one id, got %d", errBadArgs, len(args.IDs))
		}
		dl, ok, err := e.DeadLetter(command, router.ID(args.IDs[0]))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w %s in %q", errNoDeadLetter, args.IDs[0], command)
		}
		reply.Data = dl.Msg.Data
		return deadLetter(dl), nil
	case wire.AdminReplay:
		ids := make([]router.ID, len(args.IDs))
		for i, id := range args.IDs {
			ids[i] = router.ID(id)
		}
		n, err := e.Replay(command, ids)
		return adminCount{N: n}, err
	case wire.AdminPurgeDeadLetters:
		n, err := e.PurgeDeadLetters(command)
		return adminCount{N: n}, err
	case wire.AdminDeleteGroup:
		n, err := e.DeleteGroup(command, args.Group)
		return adminCount{N: n}, err
	case wire.AdminPurgeQueue:
		n, err := e.PurgeQueue(command)
		return adminCount{N: n}, err
	}
	return nil, fmt.Errorf("%w: %v", errUnknownOp, op)
}

// clusterStats is Stats over the cluster: the queues' figures of every
// broker, this broker's connections and subscribers. A figure the cluster
// did not give is left zero, and the error logged.
func (b *Broker) clusterStats() Stats {
	rs := clusterRouterStats(b.clusterCommands(), b.cluster.Connections())
	mailbox, err := b.cluster.Mailbox()
	if err != nil {
		if more, ok := b.opsLog.Allow(); ok {
			b.log.Warn("teomq: cluster figures missing", "err", err, "more", more)
		}
	}
	return Stats{
		Connections: rs.Conns, Commands: rs.Commands, Groups: rs.Groups, Subscribers: rs.Subscribers,
		Pending: rs.Pending, InFlight: rs.InFlight, DeadLetters: rs.DeadLetters, Mailbox: mailbox,
	}
}

// clusterCommands is the cluster engine's Commands, or none if the cluster
// does not answer (logged, rate-limited).
func (b *Broker) clusterCommands() []router.CommandInfo {
	infos, err := b.cluster.Commands()
	if err != nil {
		if more, ok := b.opsLog.Allow(); ok {
			b.log.Warn("teomq: cluster figures missing", "err", err, "more", more)
		}
	}
	return infos
}

// clusterRouterStats sums infos as the router's Stats would.
func clusterRouterStats(infos []router.CommandInfo, conns int) router.Stats {
	s := router.Stats{Commands: len(infos), Conns: conns}
	for i := range infos {
		ci := &infos[i]
		s.Groups += len(ci.Groups)
		s.Subscribers += ci.Subscribers()
		s.Messages += ci.Messages
		s.Pending += ci.Pending
		s.InFlight += ci.InFlight
		s.DeadLetters += ci.DeadLetters
	}
	return s
}

// eachClusterGroup calls fn with each group of infos, as
// router.EachGroup does with the router's.
func eachClusterGroup(infos []router.CommandInfo, fn func(*router.GroupStats)) {
	for i := range infos {
		for _, g := range infos[i].Groups {
			fn(&router.GroupStats{
				Command: infos[i].Name, Group: g.Name,
				Subscribers: len(g.Consumers), Pending: g.Pending, InFlight: g.InFlight, DeadLetters: g.Dead,
			})
		}
	}
}
