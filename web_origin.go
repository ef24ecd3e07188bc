package teomq

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/teonet-go/teomq/policy"
)

// webAccess decides which requests may open the broker's WebSocket: by the
// Host they were sent to (hostPolicy) and the Origin of the page that sent
// them (originPolicy). It is immutable once made, and so safe for
// concurrent use.
type webAccess struct {
	hosts   hostPolicy
	origins originPolicy
	// policyLists reports whether the broker's policy names an origin in a
	// role: such pages may connect too (their rights come from the rules).
	policyLists func(origin string) bool
}

// check returns nil when r may open the WebSocket, or why not: an error
// matching errWebNoOrigin, errWebHostRefused or errWebOriginRefused, whose
// text is meant for the page.
//
// A request must carry an Origin: browsers always send one, and programs
// that are not browsers connect to the Teonet port instead. Its Host must
// be one the broker serves, which closes DNS rebinding. Its Origin must
// then be listed in AllowedOrigins (or "*" listed), or be the same origin
// as the request's Host or another allowed host.
func (a webAccess) check(r *http.Request) error {
	if r.Header.Get("Origin") == "" {
		return errWebNoOrigin
	}
	return a.checkPage(r)
}

// checkPage is check for the broker's own pages (the dashboard) and their
// data: a request without an Origin passes on its Host alone, since a
// browser sends none when it navigates to a page or fetches from the
// page's own origin; with one, the origin must be allowed as for the
// WebSocket.
func (a webAccess) checkPage(r *http.Request) error {
	origin := r.Header.Get("Origin")
	switch {
	case !a.hosts.allows(r.Host):
		return fmt.Errorf("%w: %q (broker -allow-host)", errWebHostRefused, r.Host)
	case origin == "", a.origins.any:
		return nil
	}
	o, err := policy.NormalizeOrigin(origin)
	if err != nil {
		return fmt.Errorf("%w: %q is not an origin (scheme://host[:port])", errWebOriginRefused, origin)
	}
	_, host, _ := strings.Cut(o, "://")
	if a.origins.allowed[o] || strings.EqualFold(host, r.Host) || a.hosts.listed(host) || a.policyLists != nil && a.policyLists(o) {
		return nil
	}
	return fmt.Errorf("%w: %s (broker -allow-origin)", errWebOriginRefused, origin)
}

// originPolicy is the set of web origins whose pages may connect, besides
// the broker's own (BrokerConfig.AllowedOrigins). Checking the origin stops
// a page on another site from using a visitor's browser as a peer
// (cross-site WebSocket hijacking). It is immutable once made, and so safe
// for concurrent use.
type originPolicy struct {
	any     bool            // "*": every origin
	allowed map[string]bool // normalized origins
}

// parseOrigins makes the policy of BrokerConfig.AllowedOrigins. Each entry
// is "*" or an origin, "scheme://host[:port]" without a path; an invalid
// entry is an error matching ErrBadConfig.
func parseOrigins(list []string) (originPolicy, error) {
	p := originPolicy{allowed: make(map[string]bool, len(list))}
	for _, s := range list {
		if s == "*" {
			p.any = true
			continue
		}
		o, err := policy.NormalizeOrigin(s)
		if err != nil {
			return originPolicy{}, fmt.Errorf("%w: AllowedOrigins: %w", ErrBadConfig, err)
		}
		p.allowed[o] = true
	}
	return p, nil
}

// policyListsOrigin reports whether the broker's policy in force names the
// normalized origin o in a role.
func (b *Broker) policyListsOrigin(o string) bool {
	_, found := slices.BinarySearch(b.policy.Load().Origins(), o)
	return found
}
