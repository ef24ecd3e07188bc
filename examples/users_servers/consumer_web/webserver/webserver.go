// Package webserver serves the users_servers example's web consumer: a
// page that connects from the browser to the broker's WebSocket as a teomq
// peer of its own, subscribes to num_servers and num_players and shows
// them live.
//
// The server only hands out the page, its script and the page's settings
// (/config.json); the page imports the teomq client (teomq.js) from the
// broker and talks to the broker directly. The broker must therefore allow
// the page's origin (teomq broker -allow-origin http://localhost:8094).
package webserver

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/teonet-go/teomq/teonet"
)

// PagePath is where the original project served the page; it is also
// served at "/".
const PagePath = "/cmd/users_servers/consumer_web/client.html"

//go:embed client.html client.js
var assets embed.FS

// ErrBadConfig is returned by New for an invalid Config.
var ErrBadConfig = errors.New("webserver: invalid configuration")

// Config says where the page finds the broker.
type Config struct {
	// WS is the broker's WebSocket URL, ws://host:port/teomq (or wss://).
	// The page imports teomq.js from the same host, beside it.
	WS string
	// Broker is the broker's address, ADDRESS or ADDRESS@host:port; the
	// page needs only ADDRESS, whose key it checks.
	Broker string
}

// pageConfig is /config.json: what the page reads before connecting.
type pageConfig struct {
	WS     string `json:"ws"`
	Broker string `json:"broker"`
	Module string `json:"module"` // URL of teomq.js
}

// New returns the web consumer's handler, or an error matching
// ErrBadConfig. The handler is safe for concurrent use.
func New(cfg Config) (http.Handler, error) {
	ws, err := url.Parse(cfg.WS)
	if err != nil || (ws.Scheme != "ws" && ws.Scheme != "wss") || ws.Host == "" {
		return nil, fmt.Errorf("%w: WebSocket URL %q: want ws://host:port/teomq", ErrBadConfig, cfg.WS)
	}
	addr, _, err := teonet.ParseTarget(cfg.Broker)
	if err != nil {
		return nil, fmt.Errorf("%w: broker %q: %w", ErrBadConfig, cfg.Broker, err)
	}
	module := &url.URL{Scheme: "http", Host: ws.Host, Path: path.Join(path.Dir(ws.Path), "teomq.js")}
	if ws.Scheme == "wss" {
		module.Scheme = "https"
	}
	conf, err := json.Marshal(pageConfig{WS: ws.String(), Broker: addr, Module: module.String()})
	if err != nil {
		return nil, fmt.Errorf("webserver: encode page config: %w", err)
	}
	brokerOrigins := module.Scheme + "://" + ws.Host + " " + ws.Scheme + "://" + ws.Host
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' " + module.Scheme + "://" + ws.Host,
		"connect-src 'self' " + brokerOrigins,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")

	html, err := assets.ReadFile("client.html")
	if err != nil {
		return nil, fmt.Errorf("webserver: %w", err)
	}
	script, err := assets.ReadFile("client.js")
	if err != nil {
		return nil, fmt.Errorf("webserver: %w", err)
	}
	mux := http.NewServeMux()
	page := serveAsset(html, "text/html; charset=utf-8", csp)
	mux.Handle("GET /{$}", page)
	mux.Handle("GET "+PagePath, page)
	mux.Handle("GET /client.js", serveAsset(script, "text/javascript; charset=utf-8", ""))
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(conf)
	})
	return mux, nil
}

// serveAsset serves an embedded file with its type and, for the page, its
// content security policy: scripts only from this server and the broker,
// connections only to them, nothing inline but styles.
func serveAsset(body []byte, contentType, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if csp != "" {
			h.Set("Content-Security-Policy", csp)
		}
		w.Write(body)
	})
}
