package teomq

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// webAccess decides which requests may open the broker's WebSocket: by the
// Host they were sent to (hostPolicy) and the Origin of the page that sent
// them (originPolicy). It is immutable once made, and so safe for
// concurrent use.
type webAccess struct {
	hosts   hostPolicy
	origins originPolicy
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
	origin := r.Header.Get("Origin")
	switch {
	case origin == "":
		return errWebNoOrigin
	case !a.hosts.allows(r.Host):
		return fmt.Errorf("%w: %q (broker -allow-host)", errWebHostRefused, r.Host)
	case a.origins.any:
		return nil
	}
	o, err := normalizeOrigin(origin)
	if err != nil {
		return fmt.Errorf("%w: %q is not an origin (scheme://host[:port])", errWebOriginRefused, origin)
	}
	_, host, _ := strings.Cut(o, "://")
	if a.origins.allowed[o] || strings.EqualFold(host, r.Host) || a.hosts.listed(host) {
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
		o, err := normalizeOrigin(s)
		if err != nil {
			return originPolicy{}, fmt.Errorf("%w: AllowedOrigins: %w", ErrBadConfig, err)
		}
		p.allowed[o] = true
	}
	return p, nil
}

// normalizeOrigin returns origin as browsers send it: lower-case scheme and
// host, and no port when it is the scheme's default.
func normalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	switch {
	case err != nil:
		return "", fmt.Errorf("origin %q: %w", origin, err)
	case u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "", fmt.Errorf("origin %q: want scheme://host[:port], such as http://localhost:8094", origin)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return "", fmt.Errorf("origin %q: an origin has no path, query or user", origin)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host, nil
}
