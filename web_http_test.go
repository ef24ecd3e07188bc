package teomq_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/store"
)

func TestWebBadAllowedOrigin(t *testing.T) {
	for _, bad := range []string{"localhost:8094", "http://localhost:8094/path", "http://"} {
		_, err := teomq.NewBroker(teomq.BrokerConfig{
			ConfigDir: t.TempDir(), Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0",
			Durability: teomq.DurabilityMemory, AllowedOrigins: []string{bad}, Logger: testLogger(),
		})
		if !errors.Is(err, teomq.ErrBadConfig) {
			t.Errorf("AllowedOrigins %q: err %v, want ErrBadConfig", bad, err)
		}
	}
}

func TestWebNoHTTPByDefault(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	if a := b.HTTPAddr(); a != nil {
		t.Fatalf("HTTPAddr = %v without BrokerConfig.HTTP, want nil", a)
	}
}

func TestWebServesTheClient(t *testing.T) {
	b := mustStartWebBroker(t, teomq.BrokerConfig{})
	for _, path := range []string{"/teomq.js", "/web/teomq.js"} {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, "http://"+b.HTTPAddr().String()+path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Fatalf("Content-Type %q, want text/javascript (browsers refuse modules of other types)", ct)
			}
			if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "*" {
				t.Fatalf("Access-Control-Allow-Origin %q: pages of other origins cannot import it", acao)
			}
			if !strings.Contains(body, "export async function connect(") {
				t.Fatal("the body is not the teomq client")
			}
		})
	}
}

// failingStore fails every write once failing is set.
type failingStore struct {
	store.Store
	failing atomic.Bool
}

var errDiskGone = errors.New("disk gone")

func (s *failingStore) Write(ops []store.Op, sync bool) error {
	if s.failing.Load() {
		return errDiskGone
	}
	return s.Store.Write(ops, sync)
}

func TestWebHealthz(t *testing.T) {
	st := &failingStore{Store: store.NewMemory()}
	b := mustStartWebBroker(t, teomq.BrokerConfig{Store: st})
	url := "http://" + b.HTTPAddr().String() + "/healthz"
	if resp, body := get(t, url); resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthy broker: %d %q, want 200 ok", resp.StatusCode, body)
	}
	st.failing.Store(true)
	producer := mustConnect(t, b)
	if _, err := producer.Send(testCtx(t), "x", []byte("1")); !errors.Is(err, teomq.ErrStoreFailed) {
		t.Fatalf("Send on a failing store: %v, want ErrStoreFailed", err)
	}
	resp, body := get(t, url)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, errDiskGone.Error()) {
		t.Fatalf("failed store: %d %q, want 503 with the store error", resp.StatusCode, body)
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
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
