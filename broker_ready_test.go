package teomq_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
)

// slowLoadStore is a MemoryStore whose Load waits until release is
// closed: a broker on it is starting until then.
type slowLoadStore struct {
	*store.MemoryStore
	release chan struct{}
}

func (s slowLoadStore) Load(fn func(*store.Record) error) error {
	<-s.release
	return s.MemoryStore.Load(fn)
}

// httpAddrLog is a slog.Handler that passes on the address of the
// broker's HTTP listener when the broker logs it.
type httpAddrLog chan string

func (h httpAddrLog) Enabled(context.Context, slog.Level) bool { return true }
func (h httpAddrLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h httpAddrLog) WithGroup(string) slog.Handler            { return h }
func (h httpAddrLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "teomq: HTTP listening" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				h <- a.Value.String()
			}
			return true
		})
	}
	return nil
}

func TestReadyzOnceTheStoreIsLoaded(t *testing.T) {
	release := make(chan struct{})
	addrs := make(httpAddrLog, 1)
	started := make(chan *teomq.Broker, 1)
	go func() { // owned by the test: NewBroker returns once release is closed
		b, err := teomq.NewBroker(teomq.BrokerConfig{
			ConfigDir: t.TempDir(),
			Listen:    "127.0.0.1:0",
			HTTP:      "127.0.0.1:0",
			Store:     slowLoadStore{store.NewMemory(), release},
			Logger:    slog.New(addrs),
		})
		if err != nil {
			t.Error(err)
		}
		started <- b
	}()
	base := "http://" + recv(t, addrs, "the HTTP listener")

	// Loading: alive, not ready; the WebSocket turns peers away.
	check := func(path string, status int, body string, header http.Header) {
		t.Helper()
		res, got := httpGet(t, base+path, header)
		if res.StatusCode != status || !strings.Contains(got, body) {
			t.Fatalf("GET %s: %s %q, want %d and %q", path, res.Status, got, status, body)
		}
	}
	check("/readyz", http.StatusServiceUnavailable, "starting", nil)
	check("/healthz", http.StatusOK, "ok", nil)
	check("/metrics", http.StatusOK, "teomq_ready 0", nil)
	check("/teomq", http.StatusServiceUnavailable, "starting", http.Header{"Origin": {base}})

	close(release)
	b := recv(t, started, "NewBroker")
	if b == nil {
		t.FailNow()
	}
	defer b.Close()
	check("/readyz", http.StatusOK, "ok", nil)
	check("/metrics", http.StatusOK, "teomq_ready 1", nil)
}
