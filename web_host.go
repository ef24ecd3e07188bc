package teomq

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// hostPolicy is the set of names the broker's HTTP listener answers to as
// a WebSocket endpoint. A browser sends the name it connected to in the
// Host header; refusing the names the broker does not serve stops DNS
// rebinding, where a hostile site points its own name at the broker's
// address so that its pages are "same origin" with it. It is immutable
// once made, and so safe for concurrent use.
type hostPolicy struct {
	any   bool            // "*": every Host
	exact map[string]bool // "host:port" entries
	bare  map[string]bool // "host" entries: with no port or the listener's
	port  string          // the listener's port
}

// parseHosts makes the policy of BrokerConfig.AllowedHosts for a listener
// on port. Each entry is "*", "host:port" or "host" (IPv6 in brackets); an
// invalid entry is an error matching ErrBadConfig.
func parseHosts(list []string, port string) (hostPolicy, error) {
	p := hostPolicy{exact: make(map[string]bool), bare: make(map[string]bool), port: port}
	for _, s := range list {
		if strings.TrimSpace(s) == "*" {
			p.any = true
			continue
		}
		host, hostPort, err := parseHostEntry(s)
		if err != nil {
			return hostPolicy{}, fmt.Errorf("%w: AllowedHosts: %w", ErrBadConfig, err)
		}
		if hostPort == "" {
			p.bare[host] = true
		} else {
			p.exact[hostPort] = true
		}
	}
	return p, nil
}

// parseHostEntry parses "host" or "host:port" into the host as a Host
// header writes it (IPv6 in brackets) and, when a port is given,
// "host:port"; both lower-case.
func parseHostEntry(entry string) (host, hostPort string, err error) {
	s := strings.ToLower(strings.TrimSpace(entry))
	if s == "" || strings.ContainsAny(s, "/@?# ") {
		return "", "", fmt.Errorf("host %q: want host or host:port, such as localhost:8093", entry)
	}
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || h == "" {
			return "", "", fmt.Errorf("host %q: want host:port with a port from 1 to 65535", entry)
		}
		return hostHeaderName(h), net.JoinHostPort(h, port), nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && len(s) > 2 {
		return s, "", nil
	}
	if strings.ContainsAny(s, ":[]") {
		return "", "", fmt.Errorf("host %q: write an IPv6 address in brackets, such as [::1]:8093", entry)
	}
	return s, "", nil
}

// hostHeaderName is host as a Host header writes it: IPv6 in brackets.
func hostHeaderName(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// defaultHosts is the AllowedHosts default of a listener configured with
// httpAddr and listening on port: the loopback names, and the configured
// host when it is a concrete one (not empty, 0.0.0.0 or ::), each with the
// port.
func defaultHosts(httpAddr, port string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(httpAddr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	for i, h := range hosts {
		hosts[i] = net.JoinHostPort(h, port)
	}
	return hosts
}

// allows reports whether the broker serves host, a Host header's value.
func (p hostPolicy) allows(host string) bool {
	return p.any || p.listed(host)
}

// listed reports whether host is one of the policy's entries; "*" lists
// none. A host without a port is on the scheme's default port, which may
// be 80 or 443.
func (p hostPolicy) listed(host string) bool {
	host = strings.ToLower(host)
	if p.exact[host] || p.bare[host] {
		return true
	}
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		return p.exact[host+":80"] || p.exact[host+":443"]
	}
	return port == p.port && p.bare[hostHeaderName(h)]
}
