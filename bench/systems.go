package main

import (
	"context"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// system is one side of a comparison: what it is, what it guarantees, and
// how to start a fresh instance of it.
type system struct {
	name       string
	guarantees string
	open       func(ctx context.Context) (loadgen.Target, error)
}

// teomqSystem is an in-process teomq broker on loopback (always TLS 1.3)
// with the given durability.
func teomqSystem(d teomq.Durability) system {
	s := system{
		name: "teomq " + string(d),
		open: func(context.Context) (loadgen.Target, error) {
			return loadgen.NewTeomq(loadgen.TeomqConfig{Durability: d})
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
	open: func(context.Context) (loadgen.Target, error) {
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
		open: func(ctx context.Context) (loadgen.Target, error) {
			return newJetStreamTarget(ctx, syncAlways)
		},
	}
	if syncAlways {
		s.name, s.guarantees = "JetStream always", "no TLS, fsync before ack"
	}
	return s
}
