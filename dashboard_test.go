package teomq_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

func TestDashboardAccess(t *testing.T) {
	const allowed = "http://localhost:8094"
	b := mustStartWebBroker(t, teomq.BrokerConfig{AllowedOrigins: []string{allowed}})
	addr := b.HTTPAddr().String()
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	cases := []struct {
		name         string
		path         string
		host, origin string // headers; "" the default
		status       int
		body         string // in the answer
		contentType  string
	}{
		{name: "page", path: "/", status: 200, body: `src="/dashboard.js"`, contentType: "text/html"},
		{name: "module", path: "/dashboard.js", status: 200, body: "/api/stats", contentType: "text/javascript"},
		{name: "data", path: "/api/stats", status: 200, body: `"commands":[]`, contentType: "application/json"},
		{name: "page by the name localhost", path: "/", host: "localhost:" + port, status: 200, body: "<title>"},
		{name: "data from the page's own origin", path: "/api/stats", origin: "http://" + addr, status: 200, body: `"ready":true`},
		{name: "data from a listed origin", path: "/api/stats", origin: allowed, status: 200, body: `"ready":true`},
		{name: "DNS rebinding, page", path: "/", host: "evil.example:" + port, status: 403, body: "host not served"},
		{name: "DNS rebinding, data", path: "/api/stats", host: "evil.example:" + port, origin: "http://evil.example:" + port, status: 403, body: "host not served"},
		{name: "data from another origin", path: "/api/stats", origin: "http://evil.example", status: 403, body: "origin not allowed"},
		{name: "module from another origin", path: "/dashboard.js", origin: "http://evil.example", status: 403, body: "origin not allowed"},
		{name: "unknown path", path: "/nothing", status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.host != "" {
				h.Set("Host", tc.host)
			}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			res, body := httpGet(t, "http://"+addr+tc.path, h)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.body) {
				t.Fatalf("%s %q, want %d and %q", res.Status, body, tc.status, tc.body)
			}
			if tc.contentType != "" && !strings.HasPrefix(res.Header.Get("Content-Type"), tc.contentType) {
				t.Errorf("Content-Type %q, want %s", res.Header.Get("Content-Type"), tc.contentType)
			}
			if res.StatusCode == 200 && !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("Content-Security-Policy %q", res.Header.Get("Content-Security-Policy"))
			}
			if tc.origin != "" && res.StatusCode == 200 && res.Header.Get("Access-Control-Allow-Origin") != tc.origin {
				t.Errorf("Access-Control-Allow-Origin %q, want %s", res.Header.Get("Access-Control-Allow-Origin"), tc.origin)
			}
		})
	}
}

// apiStats is the part of /api/stats the tests read.
type apiStats struct {
	Ready    bool `json:"ready"`
	Commands []struct {
		Command   string `json:"command"`
		Published uint64 `json:"published"`
		Groups    []struct {
			Group       string `json:"group"`
			Subscribers int    `json:"subscribers"`
			Pending     int    `json:"pending"`
			Delivered   uint64 `json:"delivered"`
			Replies     uint64 `json:"replies"`
		} `json:"groups"`
	} `json:"commands"`
}

func TestDashboardDataFollowsTheQueue(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	stats := func() apiStats {
		t.Helper()
		res, body := httpGet(t, "http://"+b.HTTPAddr().String()+"/api/stats", nil)
		var s apiStats
		if res.StatusCode != 200 || json.Unmarshal([]byte(body), &s) != nil {
			t.Fatalf("/api/stats: %s %q", res.Status, body)
		}
		return s
	}
	p := mustConnect(t, b)
	for range 3 {
		if _, err := p.Send(testCtx(t), "jobs", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	s := stats()
	if !s.Ready || len(s.Commands) != 1 || s.Commands[0].Command != "jobs" || s.Commands[0].Published != 3 ||
		len(s.Commands[0].Groups) != 1 || s.Commands[0].Groups[0].Pending != 3 {
		t.Fatalf("before consuming: %+v, want jobs with 3 pending", s)
	}
	c := mustConnect(t, b)
	if _, err := c.Subscribe("jobs", echo); err != nil { // credit 1: one at a time, in order
		t.Fatal(err)
	}
	// A request behind the three: its answer comes once they are answered.
	if _, err := p.Request(testCtx(t), "jobs", []byte("last")); err != nil {
		t.Fatal(err)
	}
	g := stats().Commands[0].Groups[0]
	if g.Pending != 0 || g.Delivered != 4 || g.Replies != 4 || g.Subscribers != 1 {
		t.Fatalf("after consuming: %+v, want none pending, 4 delivered and answered, 1 subscriber", g)
	}
}
