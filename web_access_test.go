package teomq_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/logbuf"
)

func TestWebAccess(t *testing.T) {
	// {port} is the broker's HTTP port, {addr} its HTTP address.
	cases := []struct {
		name     string
		origins  []string // AllowedOrigins
		hosts    []string // AllowedHosts
		origin   string   // Origin header; "" none
		host     string   // Host header; "" the broker's address
		ok       bool
		status   int    // of a refusal
		reason   string // in the refusal's body
		noOrigin bool
	}{
		{name: "no Origin (not a browser)", noOrigin: true, status: 403, reason: "no Origin header"},
		{name: "same origin", origin: "http://{addr}", ok: true},
		{name: "same origin by the name localhost", origin: "http://localhost:{port}", host: "localhost:{port}", ok: true},
		{name: "same origin by the name [::1]", origin: "http://[::1]:{port}", host: "[::1]:{port}", ok: true},
		{name: "origin of another allowed host", origin: "http://localhost:{port}", ok: true},
		{name: "DNS rebinding", origin: "http://evil.example:{port}", host: "evil.example:{port}", status: 403, reason: `host not served by this broker: "evil.example:`},
		{name: "DNS rebinding with any origin allowed", origins: []string{"*"}, origin: "http://evil.example:{port}", host: "evil.example:{port}", status: 403, reason: "host not served"},
		{name: "loopback name on another port", origin: "http://localhost:1", host: "localhost:1", status: 403, reason: "host not served"},
		{name: "other origin by default", origin: "http://localhost:8094", status: 403, reason: "origin not allowed: http://localhost:8094 (broker -allow-origin)"},
		{name: "opaque origin", origin: "null", status: 403, reason: "origin not allowed"},
		{name: "listed origin", origins: []string{"http://localhost:8094"}, origin: "http://localhost:8094", ok: true},
		{name: "listed origin, other case", origins: []string{"HTTP://LocalHost:8094"}, origin: "http://localhost:8094", ok: true},
		{name: "unlisted port", origins: []string{"http://localhost:8094"}, origin: "http://localhost:8095", status: 403, reason: "origin not allowed"},
		{name: "unlisted scheme", origins: []string{"http://localhost:8094"}, origin: "https://localhost:8094", status: 403, reason: "origin not allowed"},
		{name: "any origin", origins: []string{"*"}, origin: "https://evil.example", ok: true},
		{name: "default port", origins: []string{"https://app.example:443"}, origin: "https://app.example", ok: true},
		{name: "listed host", hosts: []string{"broker.example"}, origin: "http://broker.example:{port}", host: "broker.example:{port}", ok: true},
		{name: "listed host behind a proxy", hosts: []string{"Broker.Example"}, origin: "https://broker.example", host: "broker.example", ok: true},
		{name: "listed host on another port", hosts: []string{"broker.example"}, origin: "http://broker.example:1", host: "broker.example:1", status: 403, reason: "host not served"},
		{name: "listed host:port", hosts: []string{"broker.example:8443"}, origin: "https://broker.example:8443", host: "broker.example:8443", ok: true},
		{name: "listed host:443 behind a proxy", hosts: []string{"broker.example:443"}, origin: "https://broker.example", host: "broker.example", ok: true},
		{name: "a list replaces the default", hosts: []string{"broker.example"}, origin: "http://{addr}", status: 403, reason: "host not served"},
		{name: "any host, same origin", hosts: []string{"*"}, origin: "http://evil.example:{port}", host: "evil.example:{port}", ok: true},
		{name: "any host, other origin", hosts: []string{"*"}, origin: "http://evil.example:{port}", host: "other.example:{port}", status: 403, reason: "origin not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mustStartWebBroker(t, teomq.BrokerConfig{AllowedOrigins: tc.origins, AllowedHosts: tc.hosts})
			addr := b.HTTPAddr().String()
			port := addr[strings.LastIndexByte(addr, ':')+1:]
			fill := strings.NewReplacer("{addr}", addr, "{port}", port).Replace
			o := dialOptions{origin: fill(tc.origin), host: fill(tc.host), noOrigin: tc.noOrigin}
			page, resp, err := dialWeb(t, b, o)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v (%s)", err, body(resp))
				}
				page.handshake(b)
				return
			}
			if err == nil {
				t.Fatal("the WebSocket opened")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("refusal %v, want HTTP %d", err, tc.status)
			}
			if got := body(resp); !strings.Contains(got, tc.reason) {
				t.Fatalf("refusal body %q, want the reason %q", got, tc.reason)
			}
			if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "*" {
				t.Fatalf("Access-Control-Allow-Origin %q: a page of another origin cannot read the reason", acao)
			}
		})
	}
}

func TestWebBadAllowedHost(t *testing.T) {
	for _, bad := range []string{"http://localhost:8093", "localhost:0", "localhost:http", "::1", "[::1]:99999", "a b", ":8093"} {
		_, err := teomq.NewBroker(teomq.BrokerConfig{
			ConfigDir: t.TempDir(), Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0",
			Durability: teomq.DurabilityMemory, AllowedHosts: []string{bad}, Logger: testLogger(),
		})
		if !errors.Is(err, teomq.ErrBadConfig) {
			t.Errorf("AllowedHosts %q: err %v, want ErrBadConfig", bad, err)
		}
	}
}

func TestWebRefusalsLoggedRateLimited(t *testing.T) {
	var logs logbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	b := mustStartWebBroker(t, teomq.BrokerConfig{Logger: log})
	const n = 50
	for range n {
		_, resp, err := dialWeb(t, b, dialOptions{noOrigin: true})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("no-Origin request: %v, want HTTP 403", err)
		}
	}
	lines := strings.Count(logs.String(), "web request refused")
	if lines != 1 {
		t.Fatalf("%d refusals from one source logged %d lines, want 1:\n%s", n, lines, logs.String())
	}
	if !strings.Contains(logs.String(), "no Origin header") {
		t.Fatalf("the log line does not give the reason:\n%s", logs.String())
	}
}

// body returns the body of a refused WebSocket request.
func body(resp *http.Response) string {
	if resp == nil || resp.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
