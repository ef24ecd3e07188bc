package teomq_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

// The operator pages name commands, groups and peers: they answer only to
// the networks OperatorFrom lists (loopback by default), while health
// checks and the browser client answer anyone.
func TestOperatorPagesAnswerAllowedNetworksOnly(t *testing.T) {
	cases := []struct {
		name   string
		from   []string
		status int // of every operator page
	}{
		{"default: loopback", nil, http.StatusOK},
		{"an address", []string{"127.0.0.1"}, http.StatusOK},
		{"any", []string{"*"}, http.StatusOK},
		{"another network", []string{"10.0.0.0/8", "::1/128"}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mustStartWebBroker(t, teomq.BrokerConfig{OperatorFrom: tc.from})
			base := "http://" + b.HTTPAddr().String()
			for _, path := range []string{"/metrics", "/", "/dashboard.js", "/api/stats"} {
				res, body := httpGet(t, base+path, nil)
				if res.StatusCode != tc.status {
					t.Fatalf("GET %s: %s, want %d", path, res.Status, tc.status)
				}
				if tc.status == http.StatusForbidden && !strings.Contains(body, "-operator-from") {
					t.Errorf("GET %s refused with %q: want the flag that allows it", path, body)
				}
				if tc.status == http.StatusForbidden && strings.Contains(body, "teomq_") {
					t.Errorf("GET %s refused but carries metrics: %q", path, body)
				}
			}
			for _, path := range []string{"/healthz", "/readyz", "/teomq.js"} {
				if res, _ := httpGet(t, base+path, nil); res.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %s, want 200 for anyone", path, res.Status)
				}
			}
		})
	}
}

func TestOperatorFromRejectsBadEntries(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0/8"} {
		_, err := teomq.NewBroker(teomq.BrokerConfig{
			ConfigDir: t.TempDir(), Listen: "127.0.0.1:0", HTTP: "127.0.0.1:0",
			Durability: teomq.DurabilityMemory, OperatorFrom: []string{bad}, Logger: testLogger(),
		})
		if !errors.Is(err, teomq.ErrBadConfig) || !strings.Contains(err.Error(), bad) {
			t.Errorf("OperatorFrom %q: %v, want ErrBadConfig naming it", bad, err)
		}
	}
}
