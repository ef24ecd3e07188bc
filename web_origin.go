package teomq

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// originPolicy decides which web pages may open the broker's WebSocket. A
// browser sends the page's origin with every WebSocket request; checking
// it stops a page on another site from using a visitor's browser as a
// peer (cross-site WebSocket hijacking). It is immutable once made, and so
// safe for concurrent use.
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

// allows reports whether the request's page may connect, and the origin
// it came from for logs. A request without an Origin header does not come
// from a browser page and is allowed: only browsers need protecting from
// the pages they run. Otherwise the origin must be listed, or "*" listed,
// or, by default, have the host the request was sent to (same origin).
func (p originPolicy) allows(r *http.Request) (string, bool) {
	origin := r.Header.Get("Origin")
	if origin == "" || p.any {
		return origin, true
	}
	o, err := normalizeOrigin(origin)
	if err != nil {
		return origin, false
	}
	if p.allowed[o] {
		return origin, true
	}
	_, host, _ := strings.Cut(o, "://")
	return origin, strings.EqualFold(host, r.Host)
}
