package main

import (
	"net"
	"regexp"
	"strings"
	"testing"
)

func TestBrokerAddressLines(t *testing.T) {
	const endpoint = "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2@127.0.0.1:7050"
	tests := []struct {
		name     string
		addr     net.Addr
		endpoint string
		http     string
	}{
		{"all interfaces", &net.TCPAddr{IP: net.IPv6unspecified, Port: 7050},
			"Endpoint: " + endpoint + " (listening on all interfaces, port 7050)",
			"HTTP: all interfaces, port 7050 (browser peers: ws://localhost:7050/teomq)"},
		{"all IPv4 interfaces", &net.TCPAddr{IP: net.IPv4zero.To4(), Port: 7050},
			"Endpoint: " + endpoint + " (listening on all IPv4 interfaces, port 7050)",
			"HTTP: all IPv4 interfaces, port 7050 (browser peers: ws://localhost:7050/teomq)"},
		{"loopback", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7050},
			"Endpoint: " + endpoint,
			"HTTP: 127.0.0.1:7050 (browser peers: ws://127.0.0.1:7050/teomq)"},
		{"IPv6 loopback", &net.TCPAddr{IP: net.IPv6loopback, Port: 8093},
			"Endpoint: " + endpoint,
			"HTTP: [::1]:8093 (browser peers: ws://[::1]:8093/teomq)"},
		{"one interface", &net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 8093},
			"Endpoint: " + endpoint,
			"HTTP: 192.168.1.5:8093 (browser peers: ws://192.168.1.5:8093/teomq)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := endpointLine(endpoint, tt.addr); got != tt.endpoint {
				t.Errorf("endpointLine = %q, want %q", got, tt.endpoint)
			}
			if got := httpLine(tt.addr); got != tt.http {
				t.Errorf("httpLine = %q, want %q", got, tt.http)
			}
		})
	}
}

// The broker prints the HTTP address it really listens on, port included.
func TestBrokerPrintsItsHTTPAddress(t *testing.T) {
	_, _, stdout := cliBrokerOut(t)
	waitForText(t, stdout, "(browser peers: ")
	out := stdout.String()
	m := regexp.MustCompile(`HTTP: 127\.0\.0\.1:(\d+) \(browser peers: ws://127\.0\.0\.1:(\d+)/teomq\)`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("broker printed %q, want its HTTP address and the browser URL on the same port", out)
	}
	if !strings.Contains(out, "Endpoint: ") || strings.Contains(out, "all interfaces") {
		t.Errorf("broker on 127.0.0.1 printed %q", out)
	}
}
