package main

import (
	"context"
	"fmt"
	"runtime/pprof"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// system is one side of a comparison: what it is, what it guarantees, and
// how to start a fresh instance of it.
type system struct {
	name       string
	guarantees string
	// open starts a fresh instance; the cluster systems start theirs on
	// the shared cluster.
	open func(ctx context.Context, shared *sharedCluster) (loadgen.Target, error)
}

// teomqSystem is an in-process teomq broker on loopback (always TLS 1.3)
// with the given durability.
func teomqSystem(d teomq.Durability) system {
	s := system{
		name: "teomq " + string(d),
		open: func(context.Context, *sharedCluster) (t loadgen.Target, err error) {
			pprof.Do(context.Background(), pprof.Labels(cpuLabel, "teomq"), func(context.Context) {
				t, err = loadgen.NewTeomq(loadgen.TeomqConfig{Durability: d})
			})
			return t, err
		},
	}
	switch d {
	case teomq.DurabilitySync:
		s.guarantees = "TLS 1.3, fsync before confirm"
	case teomq.DurabilityInterval:
		s.guarantees = "TLS 1.3, fsync every 10 ms"
	default:
		s.guarantees = "TLS 1.3, in memory"
	}
	return s
}

// natsCore is request/reply over an embedded nats-server with micro
// responders: no TLS (NATS's default), nothing stored.
var natsCore = system{
	name:       "NATS core",
	guarantees: "no TLS, not stored",
	open: func(context.Context, *sharedCluster) (loadgen.Target, error) {
		return newNATSTarget()
	},
}

// jetStreamSystem is a JetStream work-queue stream with file storage:
// sync_interval "always" fsyncs before each PubAck; the default fsyncs
// every 2 minutes.
func jetStreamSystem(syncAlways bool) system {
	s := system{
		name:       "JetStream default",
		guarantees: "no TLS, fsync every 2 min",
		open: func(ctx context.Context, _ *sharedCluster) (loadgen.Target, error) {
			return newJetStreamTarget(ctx, syncAlways)
		},
	}
	if syncAlways {
		s.name, s.guarantees = "JetStream always", "no TLS, fsync before ack"
	}
	return s
}

// teomqClusterSystem is n teomq brokers in cluster mode on the shared
// 3-node JetStream cluster: a publish is confirmed once stored on 2 of the
// 3 replicas.
func teomqClusterSystem(n int) system {
	return system{
		name:       fmt.Sprintf("teomq cluster %s", count(n, "broker")),
		guarantees: "TLS 1.3, R3 in JetStream",
		open: func(ctx context.Context, shared *sharedCluster) (loadgen.Target, error) {
			c, err := shared.get(ctx)
			if err != nil {
				return nil, err
			}
			return newTeomqClusterTarget(ctx, c, shared.name(), n)
		},
	}
}

// jetStreamR3 is JetStream used directly on the shared cluster: an R3
// work-queue stream, PubAck once stored on 2 of the 3 replicas.
var jetStreamR3 = system{
	name:       "JetStream R3",
	guarantees: "no TLS, R3",
	open: func(ctx context.Context, shared *sharedCluster) (loadgen.Target, error) {
		c, err := shared.get(ctx)
		if err != nil {
			return nil, err
		}
		return newJetStreamR3Target(ctx, c, shared.name())
	},
}
