package teomq_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// Negative limits are refused with ErrBadConfig, naming the field.
func TestBrokerConfigRefusesNegativeLimits(t *testing.T) {
	for name, cfg := range map[string]teomq.BrokerConfig{
		"MaxDedup":           {MaxDedup: -1},
		"DedupWindow":        {DedupWindow: -time.Second},
		"MaxQueueLen":        {MaxQueueLen: -1},
		"MaxPeers":           {MaxPeers: -1},
		"MaxHandshakes":      {MaxHandshakes: -1},
		"MaxHandshakesPerIP": {MaxHandshakesPerIP: -1},
		"FDReserve":          {FDReserve: -1},
	} {
		cfg.ConfigDir, cfg.Listen, cfg.Durability, cfg.Logger = t.TempDir(), "127.0.0.1:0", teomq.DurabilityMemory, testLogger()
		b, err := teomq.NewBroker(cfg)
		if err == nil {
			b.Close()
		}
		if !errors.Is(err, teomq.ErrBadConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s negative: %v, want ErrBadConfig naming %s", name, err, name)
		}
	}
}
