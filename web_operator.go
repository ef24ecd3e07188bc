package teomq

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// errWebOperatorRefused is the reason a request for an operator page
// (/metrics, the dashboard, /api/stats) from a network not listed in
// BrokerConfig.OperatorFrom is refused.
var errWebOperatorRefused = errors.New("teomq: refused: operator pages (/metrics, the dashboard) answer only to the networks the broker allows (broker -operator-from)")

// operatorNets is the set of networks whose HTTP clients may read the
// broker's operator pages (BrokerConfig.OperatorFrom). It is immutable
// once made, and so safe for concurrent use.
type operatorNets struct {
	any      bool           // "*": every network
	prefixes []netip.Prefix // canonical, IPv4 as IPv4
}

// defaultOperatorFrom is BrokerConfig.OperatorFrom's default: loopback,
// as the default policy admits only Teonet peers on the broker's machine.
var defaultOperatorFrom = []string{"127.0.0.0/8", "::1/128"}

// parseOperatorNets makes the set of BrokerConfig.OperatorFrom: each
// entry is "*", a CIDR prefix or an address; an invalid entry is an
// error matching ErrBadConfig. An empty list is the default.
func parseOperatorNets(list []string) (operatorNets, error) {
	if len(list) == 0 {
		list = defaultOperatorFrom
	}
	var n operatorNets
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "*" {
			n.any = true
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return operatorNets{}, fmt.Errorf("%w: OperatorFrom: %q is neither a CIDR prefix (10.0.0.0/8) nor an address", ErrBadConfig, s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		n.prefixes = append(n.prefixes, p.Masked())
	}
	return n, nil
}

// allows reports whether a client at remote ("host:port", as
// http.Request.RemoteAddr) may read the operator pages.
func (n operatorNets) allows(remote string) bool {
	if n.any {
		return true
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		host, _, serr := net.SplitHostPort(remote)
		if serr != nil {
			return false
		}
		a, aerr := netip.ParseAddr(host)
		if aerr != nil {
			return false
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	a := ap.Addr().Unmap().WithZone("")
	for _, p := range n.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// operatorOnly serves h only to clients of the networks
// BrokerConfig.OperatorFrom allows, and refuses the others with 403.
func (b *Broker) operatorOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := b.web
		if !s.operators.allows(r.RemoteAddr) {
			s.refuse(w, r, http.StatusForbidden, errWebOperatorRefused)
			return
		}
		h.ServeHTTP(w, r)
	})
}
