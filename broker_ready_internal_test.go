package teomq

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadyzWhileClosing(t *testing.T) {
	b, err := NewBroker(BrokerConfig{
		ConfigDir:  t.TempDir(),
		Listen:     "127.0.0.1:0",
		Durability: DurabilityMemory,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ready := func() (int, string) {
		w := httptest.NewRecorder()
		b.serveReady(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w.Code, w.Body.String()
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("started: %d %q, want 200", code, body)
	}
	b.Close()
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "closing") {
		t.Fatalf("closed: %d %q, want 503 closing", code, body)
	}
}
