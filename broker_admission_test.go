package teomq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// A descriptor reserve that leaves nothing for peers is refused at start.
func TestBrokerFDReserveOverTheLimit(t *testing.T) {
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir: t.TempDir(), Listen: "127.0.0.1:0", Durability: teomq.DurabilityMemory, Logger: testLogger(),
		FDReserve: 1 << 40,
	})
	if err == nil {
		b.Close()
	}
	if !errors.Is(err, teomq.ErrBadConfig) || !strings.Contains(err.Error(), "FDReserve") {
		t.Fatalf("NewBroker: %v, want ErrBadConfig naming FDReserve", err)
	}
}

// BrokerConfig.MaxPeers caps the peers connected at once: past it a new
// peer is refused and counted, and once a peer leaves another connects.
func TestBrokerMaxPeers(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxPeers: 1})
	first := mustConnect(t, b)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := teomq.Connect(ctx, b.Endpoint(), teomq.WithName("second"), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger())); err == nil {
		c.Close()
		t.Fatal("a second peer connected to a broker with MaxPeers 1")
	}
	if s := b.AdmissionStats(); s.RefusedPeerLimit == 0 || s.Peers != 1 {
		t.Fatalf("admission stats %+v, want refusals and 1 peer", s)
	}
	first.Close()
	mustConnect(t, b)
}
