package teomq_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// Clients WithEphemeralIdentity share one config dir at once, each with an
// address of its own, get their answers, and leave nothing behind.
func TestEphemeralIdentityClients(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	if _, err := mustConnect(t, b).Subscribe("who", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return []byte(m.From), nil
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 5
	addrs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// WithEphemeralIdentity undoes an earlier WithName.
			c, err := teomq.Connect(ctx, b.Endpoint(), teomq.WithName("same"), teomq.WithEphemeralIdentity(),
				teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			defer c.Close()
			ans, err := c.Request(ctx, "who", nil)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			if string(ans.Data) != c.Address() {
				t.Errorf("client %d is %s, the consumer saw %s", i, c.Address(), ans.Data)
			}
			addrs[i] = c.Address()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, a := range addrs {
		if seen[a] {
			t.Errorf("address %s used twice", a)
		}
		seen[a] = true
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "teonet"))
	for _, e := range entries {
		if e.Name() != "peers" {
			t.Errorf("ephemeral clients left %s in the config dir", e.Name())
		}
	}
}
