package policy

import (
	"fmt"
	"slices"
	"sync"
)

// Policy says which peers may connect and what each may do. Its decisions
// never change once it is built (it only memoizes compiled rights), and it
// is safe for concurrent use. A reload builds a new one; connections keep
// the Grants of the policy they were checked against until the broker asks
// the new one.
type Policy struct {
	name      string           // the config file's name; "" for Default
	def       bool             // the no-file default: loopback may do all
	roleCount int              // roles the file defines, for String
	rules     []rule           // the file's rules, in order
	byAddress map[string][]int // address -> rules naming a role that lists it
	byOrigin  map[string][]int // normalized origin -> rules naming a role that lists it
	local     []int            // rules naming the built-in role "local"
	anyone    []int            // rules naming the built-in role "anyone"
	origins   []string         // every origin the roles list, sorted

	rightsMu sync.Mutex         // guards rightsOf
	rightsOf map[string]*rights // compiled rights by set of rules; at most maxRights
}

// rule is one checked and compiled [[rule]] of a file.
type rule struct {
	publish, consume, admin nameSet
	groups                  *nameSet // consume groups; nil: any group
}

// Default returns the policy of a broker without a config file: peers that
// connect from loopback may do everything, the others are refused at the
// handshake with an error matching ErrRemoteRefused that says how to allow
// them. Browser pages from loopback count as local here, because the
// broker's -allow-origin check has already admitted their origin.
func Default() *Policy { return &Policy{def: true} }

// Connect returns nil if the peer may connect at all: under Default, if it
// is local; under a file's rules, if some rule names a role it belongs to.
// Otherwise the error (ErrRemoteRefused or ErrForbidden) names the peer and
// says which -conf file setting would allow it.
func (p *Policy) Connect(peer Peer) error {
	switch {
	case p.def && peer.Local:
		return nil
	case p.def:
		return p.remoteRefused(peer)
	case len(p.rulesOf(peer)) == 0:
		return fmt.Errorf("%w: %s is in no role that a [[rule]] of %s names; add it to a role, as in [roles.NAME] %s, and name that role in a rule's roles",
			ErrForbidden, describe(peer), p.name, memberLine(peer))
	}
	return nil
}

// remoteRefused explains why the default policy refuses peer.
func (p *Policy) remoteRefused(peer Peer) error {
	why := "the broker has no config file, so only peers on its machine (loopback) may connect"
	if p.name != "" {
		why = fmt.Sprintf("the broker's config file %s has no [[rule]], so only peers on its machine (loopback) may connect", p.name)
	}
	return fmt.Errorf(`%w: %s connected from another host; %s. To allow it, run "teomq broker -conf teomq.toml" with a file holding [roles.clients] %s and [[rule]] roles = ["clients"] publish = ["*"] consume = ["*"] (narrow the commands as needed)`,
		ErrRemoteRefused, describe(peer), why, memberLine(peer))
}

// describe names a peer in errors.
func describe(peer Peer) string {
	if peer.page() {
		return fmt.Sprintf("peer %s (page of %s)", peer.Address, peer.Origin)
	}
	return "peer " + peer.Address
}

// memberLine is the role line that would make peer a member.
func memberLine(peer Peer) string {
	if peer.page() {
		if o, err := NormalizeOrigin(peer.Origin); err == nil {
			return fmt.Sprintf("origins = [%q]", o)
		}
	}
	return fmt.Sprintf("addresses = [%q]", peer.Address)
}

// For returns the peer's rights, compiled from the rules that name its
// roles. Call it once per connection (after Connect) and keep the result;
// it costs a pass over the peer's rules, Grants.Allow then costs a map
// read.
func (p *Policy) For(peer Peer) *Grants {
	if p.def {
		return &Grants{peer: peer, all: peer.Local, rights: &rights{}}
	}
	return &Grants{peer: peer, rights: p.rightsFor(p.rulesOf(peer))}
}

// rulesOf returns the indices of the rules that apply to peer, in order,
// each once. A role applies to a peer that it lists by address, to a page
// whose origin it lists, and the built-in roles to every peer ("anyone")
// and to Go peers from loopback ("local").
func (p *Policy) rulesOf(peer Peer) []int {
	var idx []int
	idx = append(idx, p.anyone...)
	idx = append(idx, p.byAddress[peer.Address]...)
	if peer.page() {
		if o, err := NormalizeOrigin(peer.Origin); err == nil {
			idx = append(idx, p.byOrigin[o]...)
		}
	} else if peer.Local {
		idx = append(idx, p.local...)
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}

// Origins returns the web origins the policy's roles list, sorted, so that
// the broker can admit those pages to its WebSocket. The caller must not
// modify the slice.
func (p *Policy) Origins() []string { return p.origins }

// String describes the policy in a few words, for logs.
func (p *Policy) String() string {
	switch {
	case p.def && p.name == "":
		return "default (no config file): loopback peers may do everything, others are refused"
	case p.def:
		return p.name + ": no rules, so the default: loopback peers may do everything, others are refused"
	}
	return fmt.Sprintf("%s: %d roles, %d rules", p.name, p.roleCount, len(p.rules))
}
