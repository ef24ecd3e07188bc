// Package cluster is the JetStream cluster engine: brokers that import it
// and set BrokerConfig.Cluster keep their queues in a NATS JetStream
// cluster instead of their own store, so that any number of brokers share
// them. A program links it (and the NATS client) by importing it for its
// side effect:
//
//	import _ "github.com/teonet-go/teomq/cluster"
//
// How teomq maps onto JetStream (streams, subjects, consumers, and where
// the semantics differ from one broker's) is documented in
// docs/cluster.md.
package cluster

import "github.com/teonet-go/teomq/engine"

func init() {
	engine.RegisterCluster(func(cfg engine.ClusterConfig, host engine.Host) (engine.Engine, error) {
		return Open(cfg, host)
	})
}
