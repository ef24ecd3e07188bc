package webserver_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/examples/users_servers/consumer_web/webserver"
)

const addr = "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2"

func TestConfigJSON(t *testing.T) {
	cases := []struct {
		name       string
		cfg        webserver.Config
		wantModule string
		wantBroker string
	}{
		{"bare address", webserver.Config{WS: "ws://localhost:8093/teomq", Broker: addr},
			"http://localhost:8093/teomq.js", addr},
		{"address with endpoint", webserver.Config{WS: "ws://localhost:8093/teomq", Broker: addr + "@10.0.0.1:7050"},
			"http://localhost:8093/teomq.js", addr},
		{"TLS behind a path prefix", webserver.Config{WS: "wss://mq.example/broker/teomq", Broker: addr},
			"https://mq.example/broker/teomq.js", addr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.cfg)
			resp, body := get(t, srv.URL+"/config.json")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got struct{ WS, Broker, Module string }
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("config.json %q: %v", body, err)
			}
			if got.WS != tc.cfg.WS || got.Broker != tc.wantBroker || got.Module != tc.wantModule {
				t.Fatalf("config %+v, want ws %s broker %s module %s", got, tc.cfg.WS, tc.wantBroker, tc.wantModule)
			}
		})
	}
}

func TestPageIsServedWithAPolicy(t *testing.T) {
	srv := start(t, webserver.Config{WS: "ws://localhost:8093/teomq", Broker: addr})
	for _, path := range []string{"/", webserver.PagePath} {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, srv.URL+path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="num_servers"`) {
				t.Fatalf("status %d, body without the page", resp.StatusCode)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self' http://localhost:8093", "connect-src 'self' http://localhost:8093 ws://localhost:8093"} {
				if !strings.Contains(csp, want) {
					t.Fatalf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
		})
	}
	resp, body := get(t, srv.URL+"/client.js")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(body, "textContent") {
		t.Fatalf("client.js: status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, srv.URL+"/other"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/other: status %d, want 404", resp.StatusCode)
	}
}

func TestBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  webserver.Config
	}{
		{"http URL", webserver.Config{WS: "http://localhost:8093/teomq", Broker: addr}},
		{"no host", webserver.Config{WS: "ws:///teomq", Broker: addr}},
		{"no broker", webserver.Config{WS: "ws://localhost:8093/teomq"}},
		{"short broker address", webserver.Config{WS: "ws://localhost:8093/teomq", Broker: "abc"}},
		{"broker address with markup", webserver.Config{WS: "ws://localhost:8093/teomq", Broker: "<script>alert(1)</script>xxxxxxxxxx"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := webserver.New(tc.cfg); !errors.Is(err, webserver.ErrBadConfig) {
				t.Fatalf("New: %v, want ErrBadConfig", err)
			}
		})
	}
}

func start(t *testing.T, cfg webserver.Config) *httptest.Server {
	t.Helper()
	h, err := webserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}
