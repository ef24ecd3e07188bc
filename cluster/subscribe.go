package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// subscribeWait bounds Subscribe's calls to the cluster, finding or
// making the group's consumer and waiting for the stream's leader to know
// it, below the client's subscribe timeout.
const subscribeWait = 5 * time.Second

// Subscribe subscribes conn's subID to command in group. The group's
// consumer is created in the cluster if this is the group's first
// subscriber anywhere: a named group then takes the messages published
// from now on.
func (e *Engine) Subscribe(conn router.ConnID, subID uint32, command, group string, credit int, ephemeral bool) error {
	if err := router.ValidName(command); err != nil {
		return err
	}
	if group != router.DefaultGroup {
		if err := router.ValidName(group); err != nil {
			return err
		}
	}
	if credit < 0 {
		return fmt.Errorf("%w: credit %d", router.ErrBadCredit, credit)
	}
	credit = min(credit, router.MaxCredit)
	key := groupKey{command: command, group: group}
	e.mu.Lock()
	p := e.peers[conn]
	switch {
	case e.closed:
		e.mu.Unlock()
		return errClosed
	case p == nil:
		e.mu.Unlock()
		return router.ErrUnknownSub
	case p.subs[subID] != nil:
		e.mu.Unlock()
		return router.ErrDuplicateSub
	}
	g := e.groups[key]
	e.mu.Unlock()
	var cons jetstream.Consumer
	if g == nil {
		ctx, cancel := context.WithTimeout(context.Background(), subscribeWait)
		defer cancel()
		c, err := e.groupConsumer(ctx, key, ephemeral)
		if err != nil {
			return err
		}
		// A group just made takes the messages published from now on:
		// the stream's leader must know it before Subscribe returns. (One
		// made a while ago is known.)
		if info := c.CachedInfo(); info == nil || time.Since(info.Created) < knownTTL {
			if err := e.awaitInterest(ctx, command, c); err != nil {
				return err
			}
		}
		cons = c
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errClosed
	}
	if e.peers[conn] != p || p.subs[subID] != nil {
		return router.ErrDuplicateSub
	}
	g = e.groups[key]
	if g == nil {
		if cons == nil { // the group stopped meanwhile
			return fmt.Errorf("%w: group left meanwhile, subscribe again", router.ErrDuplicateSub)
		}
		g = e.startGroup(key, cons, ephemeral)
	}
	s := &sub{p: p, id: subID, g: g, credit: credit}
	p.subs[subID] = s
	g.subs = append(g.subs, s)
	if !ephemeral || group == router.DefaultGroup {
		e.known[command] = time.Now().Add(knownTTL)
		e.knownGroups[key] = true
	}
	g.wakeUp()
	return nil
}

// Unsubscribe ends conn's subscription subID; its deliveries go back to
// the cluster.
func (e *Engine) Unsubscribe(conn router.ConnID, subID uint32) error {
	e.mu.Lock()
	p := e.peers[conn]
	if p == nil || p.subs[subID] == nil {
		e.mu.Unlock()
		return router.ErrUnknownSub
	}
	s := p.subs[subID]
	var (
		gone []*delivery
		naks []jetstream.Msg
	)
	for _, ds := range p.flights {
		for _, d := range ds {
			if d.s == s {
				gone = append(gone, d)
			}
		}
	}
	for _, d := range gone {
		p.remove(d)
		s.inflight--
		naks = append(naks, d.msg)
	}
	e.dropSub(s)
	e.mu.Unlock()
	for _, m := range naks {
		_ = m.Nak()
	}
	return nil
}

// SetCredit sets how many messages conn's subID takes at a time.
func (e *Engine) SetCredit(conn router.ConnID, subID uint32, credit int) error {
	if credit < 0 {
		return fmt.Errorf("%w: credit %d", router.ErrBadCredit, credit)
	}
	credit = min(credit, router.MaxCredit)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.peers[conn]
	if p == nil || p.subs[subID] == nil {
		return router.ErrUnknownSub
	}
	s := p.subs[subID]
	s.credit = credit
	s.g.wakeUp()
	return nil
}

// dropSub removes s from its peer and group, and stops the group's puller
// if s was its last local subscriber. Called with e.mu held.
func (e *Engine) dropSub(s *sub) {
	delete(s.p.subs, s.id)
	g := s.g
	for i, o := range g.subs {
		if o == s {
			g.subs = append(g.subs[:i], g.subs[i+1:]...)
			break
		}
	}
	if len(g.subs) == 0 {
		delete(e.groups, g.key)
		g.stop()
	}
}
