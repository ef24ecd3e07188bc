package loadgen_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

func mustTeomqTarget(t *testing.T, cfg loadgen.TeomqConfig) *loadgen.TeomqTarget {
	t.Helper()
	target, err := loadgen.NewTeomq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := target.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		target.Close()
	})
	return target
}

func TestTeomqTargetRunsEveryMode(t *testing.T) {
	tests := []struct {
		name       string
		durability teomq.Durability
		cfg        loadgen.Config
	}{
		{"request memory", teomq.DurabilityMemory, loadgen.Config{Mode: loadgen.ModeRequest, Clients: 3, Consumers: 2, Msgs: 300}},
		{"request sync", teomq.DurabilitySync, loadgen.Config{Mode: loadgen.ModeRequest, Clients: 4, Consumers: 2, Msgs: 200}},
		{"send sync", teomq.DurabilitySync, loadgen.Config{Mode: loadgen.ModeSend, Clients: 8, Msgs: 300, Size: 1000}},
		{"consume sync", teomq.DurabilitySync, loadgen.Config{Mode: loadgen.ModeConsume, Consumers: 2, Msgs: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := mustTeomqTarget(t, loadgen.TeomqConfig{Durability: tt.durability})
			tt.cfg.Duration = 20 * time.Second
			res, err := loadgen.Run(testCtx(t), target, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Msgs != tt.cfg.Msgs {
				t.Errorf("Msgs = %d, want %d", res.Msgs, tt.cfg.Msgs)
			}
			if res.Throughput <= 0 || res.Hist.Quantile(0.5) <= 0 || res.Hist.Min() > res.Hist.Max() {
				t.Errorf("throughput %v, p50 %v, min %v, max %v: want positive, ordered figures",
					res.Throughput, res.Hist.Quantile(0.5), res.Hist.Min(), res.Hist.Max())
			}
		})
	}
}

func TestTeomqTargetConnectsToRunningBroker(t *testing.T) {
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  t.TempDir(),
		Listen:     "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	target := mustTeomqTarget(t, loadgen.TeomqConfig{Broker: b.Endpoint(), Command: "loadgen-test"})
	if target.Endpoint() != b.Endpoint() {
		t.Errorf("Endpoint = %q, want the broker's %q", target.Endpoint(), b.Endpoint())
	}
	res, err := loadgen.Run(testCtx(t), target, loadgen.Config{Mode: loadgen.ModeRequest, Clients: 2, Msgs: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Msgs != 100 {
		t.Errorf("Msgs = %d, want 100", res.Msgs)
	}
	// The running broker is not the target's: it still serves after Close.
	target.Close()
	c, err := teomq.Connect(testCtx(t), b.Endpoint(), teomq.WithConfigDir(t.TempDir()), teomq.WithName("after"),
		teomq.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("broker gone after the target closed: %v", err)
	}
	c.Close()
}

// EphemeralClients leave no identities in the config dir; named clients
// do.
func TestTeomqTargetEphemeralClients(t *testing.T) {
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  t.TempDir(),
		Listen:     "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for _, ephemeral := range []bool{true, false} {
		config := t.TempDir()
		target := mustTeomqTarget(t, loadgen.TeomqConfig{Broker: b.Endpoint(), ConfigDir: config, EphemeralClients: ephemeral})
		if _, err := loadgen.Run(testCtx(t), target, loadgen.Config{Mode: loadgen.ModeRequest, Clients: 2, Msgs: 20}); err != nil {
			t.Fatal(err)
		}
		target.Close()
		_, err := os.Stat(filepath.Join(config, "teonet", loadgen.DefaultTeomqName+"-1"))
		if kept := err == nil; kept == ephemeral {
			t.Errorf("EphemeralClients %v: identity loadgen-1 kept: %v", ephemeral, kept)
		}
	}
}
