package teomq

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/teonet-go/teomq/router"
)

// The dashboard: a page and its ES module, without a build step, as
// web/teomq.js. The page polls /api/stats and draws with SVG.
var (
	//go:embed web/dashboard.html
	dashboardHTML []byte
	//go:embed web/dashboard.js
	dashboardJS []byte
)

// errStatsBusy is the reason /api/stats refuses a request while
// maxScrapes are served.
var errStatsBusy = errors.New("teomq: refused: too many stats requests in progress, retry later")

// dashboardCSP lets the page run its own module and fetch from its own
// origin, and nothing else; with textContent for every value it shows, no
// data can become markup or script.
const dashboardCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// handleDashboard adds the dashboard's routes to mux. The page, its module
// and its data are read-only and are served under the WebSocket's rules
// (webAccess.checkPage): the Host must be the broker's, and an Origin, when
// the request has one, allowed; and only to the networks of
// BrokerConfig.OperatorFrom (operatorOnly).
func (b *Broker) handleDashboard(mux *http.ServeMux) {
	mux.Handle("GET /{$}", b.operatorOnly(b.pageAccess(staticHandler("text/html; charset=utf-8", dashboardHTML))))
	mux.Handle("GET /dashboard.js", b.operatorOnly(b.pageAccess(staticHandler("text/javascript; charset=utf-8", dashboardJS))))
	mux.Handle("GET /api/stats", b.operatorOnly(b.pageAccess(b.serveStats)))
}

// pageAccess runs h for the requests webAccess.checkPage lets in and
// refuses the others with 403 and the reason. An allowed cross-origin
// request may read the answer.
func (b *Broker) pageAccess(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := b.web
		if err := s.access.checkPage(r); err != nil {
			s.refuse(w, r, http.StatusForbidden, err)
			return
		}
		hd := w.Header()
		hd.Set("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" {
			hd.Set("Access-Control-Allow-Origin", o)
		}
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Security-Policy", dashboardCSP)
		hd.Set("Referrer-Policy", "no-referrer")
		h(w, r)
	}
}

// staticHandler serves content, revalidated by its entity tag.
func staticHandler(contentType string, content []byte) http.HandlerFunc {
	sum := sha256.Sum256(content)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
	}
}

// dashboardStats is the JSON of /api/stats: a snapshot of the broker, its
// commands labelled as /metrics labels them.
type dashboardStats struct {
	Time        int64              `json:"time"` // unix milliseconds
	Address     string             `json:"address"`
	Ready       bool               `json:"ready"`
	Status      string             `json:"status"` // "ok", or why not ready
	Connections dashboardConns     `json:"connections"`
	Totals      dashboardTotals    `json:"totals"`
	MaxCommands int                `json:"maxCommands"` // commands labelled by name; the rest are "_other"
	Commands    []dashboardCommand `json:"commands"`
}

type dashboardConns struct {
	Go      int `json:"go"`
	Browser int `json:"browser"`
}

type dashboardTotals struct {
	Commands    int `json:"commands"`
	Subscribers int `json:"subscribers"`
	Pending     int `json:"pending"`
	InFlight    int `json:"inFlight"`
	DeadLetters int `json:"deadLetters"`
	Mailbox     int `json:"mailbox"`
}

type dashboardCommand struct {
	Command   string           `json:"command"`
	Published uint64           `json:"published"`
	Groups    []dashboardGroup `json:"groups"`
}

type dashboardGroup struct {
	Group        string `json:"group"`
	Subscribers  int    `json:"subscribers"`
	Pending      int    `json:"pending"`
	InFlight     int    `json:"inFlight"`
	DeadLetters  int    `json:"deadLetters"`
	Delivered    uint64 `json:"delivered"`
	Redelivered  uint64 `json:"redelivered"`
	Replies      uint64 `json:"replies"`
	Errors       uint64 `json:"errors"`
	Retries      uint64 `json:"retries"`
	Expired      uint64 `json:"expired"`
	DeadLettered uint64 `json:"deadLettered"`
}

// serveStats answers /api/stats with the dashboard's data; 503 while
// maxScrapes other requests for it are being served.
func (b *Broker) serveStats(w http.ResponseWriter, r *http.Request) {
	select {
	case b.metrics.statsSlots <- struct{}{}:
		defer func() { <-b.metrics.statsSlots }()
	default:
		b.web.refuse(w, r, http.StatusServiceUnavailable, errStatsBusy)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(b.dashboardStats())
}

// dashboardStats converts a snapshot to the JSON of /api/stats.
func (b *Broker) dashboardStats() dashboardStats {
	snap := b.snapshot()
	out := dashboardStats{
		Time:        snap.At.UnixMilli(),
		Address:     b.Address(),
		Ready:       true,
		Status:      "ok",
		Connections: dashboardConns{Go: snap.Go, Browser: snap.Web},
		Totals: dashboardTotals{
			Commands:    snap.Router.Commands,
			Subscribers: snap.Router.Subscribers,
			Pending:     snap.Router.Pending,
			InFlight:    snap.Router.InFlight,
			DeadLetters: snap.Router.DeadLetters,
			Mailbox:     snap.Router.Mailbox,
		},
		MaxCommands: b.cfg.MetricsMaxCommands,
		Commands:    make([]dashboardCommand, 0, len(snap.Commands)),
	}
	if err := b.readiness(); err != nil {
		out.Ready, out.Status = false, err.Error()
	}
	for _, c := range snap.Commands {
		dc := dashboardCommand{Command: c.Command, Published: c.Published, Groups: make([]dashboardGroup, 0, len(c.Groups))}
		for _, g := range c.Groups {
			dc.Groups = append(dc.Groups, dashboardGroup{
				Group: g.Group, Subscribers: g.Subscribers, Pending: g.Pending, InFlight: g.InFlight,
				DeadLetters: g.DeadLetters, Delivered: g.Delivered, Redelivered: g.Redelivered,
				Replies: g.Answers[router.Reply], Errors: g.Answers[router.Fail], Retries: g.Answers[router.Retry],
				Expired: g.Expired, DeadLettered: g.DeadLettered,
			})
		}
		out.Commands = append(out.Commands, dc)
	}
	return out
}
