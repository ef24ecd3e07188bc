package policy

import "sync"

// maxCached is how many decisions a Grants remembers. Past it, Allow
// decides each new (action, command, group) afresh without remembering it,
// so a peer that makes up command names cannot grow the cache.
const maxCached = 4096

// Grants are one peer's rights under one Policy. The broker gets them from
// Policy.For when the peer connects and asks Allow before each publish,
// subscribe and operator request. Grants are safe for concurrent use by the
// goroutines of the peer's connection.
type Grants struct {
	peer   Peer
	all    bool    // everything allowed (Default, local peer)
	rights *rights // shared with peers of the same rules

	cacheMu sync.RWMutex        // guards the decisions below
	cached  int                 // decisions in the maps; at most maxCached
	publish map[string]error    // Publish decisions by command
	admin   map[string]error    // Admin decisions by command
	consume map[[2]string]error // Consume decisions by command and group
}

// Allow returns nil if the peer may do action on command (in group, for
// Consume; group is ignored otherwise, and "" is the default group), or a
// *ForbiddenError matching ErrForbidden. After the first call for a given
// (action, command, group) it costs one map read.
func (g *Grants) Allow(action Action, command, group string) error {
	if g.all && action >= Publish && action <= Admin {
		return nil
	}
	if action != Consume {
		group = ""
	}
	g.cacheMu.RLock()
	err, ok := g.lookup(action, command, group)
	g.cacheMu.RUnlock()
	if ok {
		return err
	}
	if !g.rights.allows(action, command, group) {
		err = &ForbiddenError{Peer: g.peer.Address, Origin: g.peer.Origin, Action: action, Command: command, Group: group}
	}
	g.remember(action, command, group, err)
	return err
}

// lookup returns a remembered decision. g.cacheMu must be held.
func (g *Grants) lookup(action Action, command, group string) (err error, ok bool) {
	switch action {
	case Publish:
		err, ok = g.publish[command]
	case Admin:
		err, ok = g.admin[command]
	case Consume:
		err, ok = g.consume[[2]string{command, group}]
	}
	return err, ok
}

// remember caches a decision unless the cache is full.
func (g *Grants) remember(action Action, command, group string, err error) {
	g.cacheMu.Lock()
	defer g.cacheMu.Unlock()
	if g.cached >= maxCached {
		return
	}
	if _, ok := g.lookup(action, command, group); ok {
		return // another goroutine decided it meanwhile
	}
	switch action {
	case Publish:
		g.publish = storeDecision(g.publish, command, err)
	case Admin:
		g.admin = storeDecision(g.admin, command, err)
	case Consume:
		g.consume = storeDecision(g.consume, [2]string{command, group}, err)
	default:
		return
	}
	g.cached++
}

// storeDecision stores err under k in m, making m if needed.
func storeDecision[K comparable](m map[K]error, k K, err error) map[K]error {
	if m == nil {
		m = make(map[K]error)
	}
	m[k] = err
	return m
}
