package main

import (
	"fmt"
	"net"
	"strconv"
)

// listenDesc says where a listener on a listens: "127.0.0.1:7050", or
// "all interfaces, port 7050" for an unspecified address, which "[::]"
// or "0.0.0.0" would say to few readers.
func listenDesc(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	switch {
	case !ok:
		return a.String()
	case tcp.IP == nil, tcp.IP.Equal(net.IPv6unspecified):
		return fmt.Sprintf("all interfaces, port %d", tcp.Port)
	case tcp.IP.Equal(net.IPv4zero):
		return fmt.Sprintf("all IPv4 interfaces, port %d", tcp.Port)
	}
	return tcp.String()
}

// endpointLine is the broker's "Endpoint:" line. The endpoint names
// 127.0.0.1 for a listener on all interfaces; the line then says so, as
// peers on other machines dial this machine's own address.
func endpointLine(endpoint string, listen net.Addr) string {
	if tcp, ok := listen.(*net.TCPAddr); ok && (tcp.IP == nil || tcp.IP.IsUnspecified()) {
		return fmt.Sprintf("Endpoint: %s (listening on %s)", endpoint, listenDesc(listen))
	}
	return "Endpoint: " + endpoint
}

// httpLine is the broker's "HTTP:" line: where it listens and the URL
// browser pages connect to.
func httpLine(a net.Addr) string {
	return fmt.Sprintf("HTTP: %s (browser peers: %s)", listenDesc(a), browserURL(a))
}

// browserURL is the WebSocket URL of a broker's HTTP listener on a, with
// a host a browser can reach and the broker serves by default: localhost
// for a listener on all interfaces, else the listener's own address.
func browserURL(a net.Addr) string {
	host, port := "localhost", ""
	if tcp, ok := a.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
		if tcp.IP != nil && !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
	} else if h, p, err := net.SplitHostPort(a.String()); err == nil {
		host, port = h, p
	}
	return "ws://" + net.JoinHostPort(host, port) + "/teomq"
}
