package teomq

import (
	"fmt"
	"time"

	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// openCluster opens the cluster engine when BrokerConfig.Cluster is set.
func (b *Broker) openCluster() error {
	if len(b.cfg.Cluster) == 0 {
		return nil
	}
	rc := b.cfg.routerConfig()
	e, err := engine.OpenCluster(engine.ClusterConfig{
		URLs:          b.cfg.Cluster,
		Replicas:      b.cfg.ClusterReplicas,
		Prefix:        b.cfg.ClusterPrefix,
		Name:          "teomq " + b.node.Address(),
		Lease:         rc.Lease,
		MaxDeliveries: rc.MaxDeliveries,
		RetryDelay:    rc.RetryDelay,
		MaxRetryDelay: rc.MaxRetryDelay,
		DedupWindow:   rc.DedupWindow,
		MailboxTTL:    rc.MailboxTTL,
		Logger:        b.log,
	}, engineHost{b})
	if err != nil {
		return fmt.Errorf("teomq: cluster: %w", err)
	}
	if limit := e.MaxMessageSize(); b.cfg.MaxMessageSize > limit {
		b.log.Info("teomq: message size limited by the cluster's max_payload", "limit", limit, "configured", b.cfg.MaxMessageSize)
		b.cfg.MaxMessageSize = limit
	}
	b.cluster = e
	b.log.Info("teomq: queues kept in the JetStream cluster", "servers", b.cfg.Cluster)
	return nil
}

// engineHost is the Broker as the cluster engine's engine.Host.
type engineHost struct{ b *Broker }

// Deliver queues a delivery to conn's subscription subID.
func (h engineHost) Deliver(conn router.ConnID, subID uint32, m *router.Message, attempt int) bool {
	b := h.b
	b.mu.Lock()
	c := b.conns[conn]
	if c != nil {
		c.queue(&wire.Deliver{
			SubID:    subID,
			ID:       wire.ID(m.ID),
			Attempt:  uint32(attempt),
			Deadline: unixMillis(m),
			From:     m.From,
			Command:  m.Command,
			Data:     m.Data,
		})
	}
	b.unlockFlush(nil)
	return c != nil
}

// Result queues the result of request id to conn, and reports whether it
// did. A closing broker takes none: the peers it is dropping may not read
// it, and the result, not taken, waits in the cluster for the producer's
// next broker. (Close snapshots the connections it drains under b.mu, after
// b.exit is closed.)
func (h engineHost) Result(conn router.ConnID, id router.ID, code router.ResultCode, from string, data []byte) bool {
	b := h.b
	b.mu.Lock()
	c, queued := b.conns[conn], false
	select {
	case <-b.exit:
	default:
		if c != nil {
			queued = c.queue(&wire.Result{ID: wire.ID(id), Code: resultWireCode(code), From: from, Data: data})
		}
	}
	b.unlockFlush(nil)
	return queued
}

// Confirm confirms conn's publish of id, or refuses it.
func (h engineHost) Confirm(conn router.ConnID, id router.ID, err error) {
	b := h.b
	b.mu.Lock()
	c := b.conns[conn]
	b.mu.Unlock()
	if c == nil {
		return
	}
	c.confirm(wire.ID(id), routerCode(err), errText(err))
}

// clusterFrame hands a frame of c's to the cluster engine, and reports
// whether it did (false: the broker has no cluster engine).
func (c *brokerConn) clusterFrame(f wire.Frame) bool {
	e := c.b.cluster
	if e == nil {
		return false
	}
	var err error
	switch f := f.(type) {
	case *wire.Subscribe:
		err = e.Subscribe(c.id, f.SubID, f.Command, f.Group, int(f.Credit), f.Ephemeral)
		c.send(&wire.SubAck{SubID: f.SubID, Code: routerCode(err), Message: errText(err)})
		if err != nil {
			c.logBadFrame("teomq: subscribe refused", routerCode(err), err)
		}
		return true
	case *wire.Unsubscribe:
		err = e.Unsubscribe(c.id, f.SubID)
		c.send(&wire.SubAck{SubID: f.SubID, Code: routerCode(err), Message: errText(err)})
		return true
	case *wire.Credit:
		err = e.SetCredit(c.id, f.SubID, int(f.N))
	case *wire.Touch:
		err = e.Touch(c.id, router.ID(f.ID), int(f.Attempt), time.Duration(f.Millis)*time.Millisecond)
		if err != nil {
			c.refuse(err, f.ID)
		}
		return true
	case *wire.Cancel:
		// A cluster does not withdraw a stored request: its answer, if
		// any, is dropped by the client.
		return true
	default:
		return false
	}
	if err != nil {
		c.refuse(err, wire.ID{})
	}
	return true
}
