package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// row is one line of the comparison: one load, run against teomq and
// against NATS with the same counts and sizes.
type row struct {
	id    string         // what -only selects
	cfg   loadgen.Config // a Size of 0 takes the -size flag's
	teomq system
	nats  system
	// base, when set, is a third system the teomq side is compared with
	// too, in the same alternation: the single broker a cluster row's
	// brokers stand against.
	base *system
}

// rows returns the comparison in the order it runs.
func rows() []row {
	var (
		memory = teomqSystem(teomq.DurabilityMemory)
		sync   = teomqSystem(teomq.DurabilitySync)
		always = jetStreamSystem(true)
		lazy   = jetStreamSystem(false)
	)
	request := func(clients, consumers, msgs int) loadgen.Config {
		return loadgen.Config{Mode: loadgen.ModeRequest, Clients: clients, Consumers: consumers, Msgs: msgs}
	}
	sized := func(cfg loadgen.Config, size int) loadgen.Config {
		cfg.Size = size
		return cfg
	}
	send := loadgen.Config{Mode: loadgen.ModeSend, Clients: 64, Msgs: 100_000}
	consume := loadgen.Config{Mode: loadgen.ModeConsume, Consumers: 2, Msgs: 100_000}
	// The cluster rows: 1, 2 and 3 brokers over one 3-node JetStream
	// cluster, against JetStream R3 used directly and the single broker.
	// Three responders, so that each of 3 brokers has one.
	clusterRequest := request(16, 3, 5_000)
	clusterSend := loadgen.Config{Mode: loadgen.ModeSend, Clients: 64, Msgs: 20_000}
	cluster := func(id string, cfg loadgen.Config, brokers int) row {
		return row{id: id, cfg: cfg, teomq: teomqClusterSystem(brokers), nats: jetStreamR3, base: &sync}
	}
	return []row{
		// The client-count sweep, in memory and sync.
		{"request-1", request(1, 1, 20_000), memory, natsCore, nil},
		{"request-4-memory", request(4, 2, 50_000), memory, natsCore, nil},
		{"request-16-memory", request(16, 2, 100_000), memory, natsCore, nil},
		{"request-16-sync", request(16, 2, 100_000), sync, natsCore, nil},
		{"request-64-memory", request(64, 2, 100_000), memory, natsCore, nil},
		{"request-64-sync", request(64, 2, 100_000), sync, natsCore, nil},
		{"request-256-memory", request(256, 2, 100_000), memory, natsCore, nil},
		// The payload sweep at 16 clients; 128 B is request-16-*.
		{"request-16-memory-16b", sized(request(16, 2, 100_000), 16), memory, natsCore, nil},
		{"request-16-sync-16b", sized(request(16, 2, 100_000), 16), sync, natsCore, nil},
		{"request-16-memory-1k", sized(request(16, 2, 100_000), 1024), memory, natsCore, nil},
		{"request-16-sync-1k", sized(request(16, 2, 100_000), 1024), sync, natsCore, nil},
		{"request-16-memory-64k", sized(request(16, 2, 20_000), 64<<10), memory, natsCore, nil},
		{"request-16-sync-64k", sized(request(16, 2, 20_000), 64<<10), sync, natsCore, nil},
		{"send-64-always", send, sync, always, nil},
		{"send-64-default", send, sync, lazy, nil},
		{"consume-2", consume, sync, lazy, nil},
		cluster("cluster-request-16-b1", clusterRequest, 1),
		cluster("cluster-request-16-b2", clusterRequest, 2),
		cluster("cluster-request-16-b3", clusterRequest, 3),
		cluster("cluster-send-64-b1", clusterSend, 1),
		cluster("cluster-send-64-b2", clusterSend, 2),
		cluster("cluster-send-64-b3", clusterSend, 3),
	}
}

// describe says what a row's load is.
func (r row) describe() string {
	switch r.cfg.Mode {
	case loadgen.ModeRequest:
		s := fmt.Sprintf("request/reply, %s, %s", count(r.cfg.Clients, "client"), count(r.cfg.Consumers, "responder"))
		if r.cfg.Size != 0 {
			s += ", " + sizeName(r.cfg.Size)
		}
		return s
	case loadgen.ModeSend:
		return "durable send, " + count(r.cfg.Clients, "producer")
	}
	return fmt.Sprintf("consume+ack, %s, %d pending", count(r.cfg.Consumers, "consumer"), r.cfg.Msgs)
}

// sizeName says "16 B", "1 KiB" or "64 KiB".
func sizeName(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", max(n, 0))
}

// count says "1 client" or "2 clients".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// scaled returns r with its message count multiplied by scale (at least 1).
func (r row) scaled(scale float64) row {
	r.cfg.Msgs = max(1, int(math.Round(float64(r.cfg.Msgs)*scale)))
	return r
}

// selectRows returns the rows whose ids only lists (comma-separated), or
// all rows when only is empty.
func selectRows(all []row, only string) ([]row, error) {
	if only == "" {
		return all, nil
	}
	var out []row
	for _, id := range strings.Split(only, ",") {
		id = strings.TrimSpace(id)
		i := -1
		for j, r := range all {
			if r.id == id {
				i = j
			}
		}
		if i < 0 {
			ids := make([]string, len(all))
			for j, r := range all {
				ids[j] = r.id
			}
			return nil, fmt.Errorf("%w %q: want one of %s", errUnknownRow, id, strings.Join(ids, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
