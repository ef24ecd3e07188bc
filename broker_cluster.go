package teomq

import (
	"errors"
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

// Result queues the result of request id to conn.
func (h engineHost) Result(conn router.ConnID, id router.ID, code router.ResultCode, from string, data []byte) bool {
	b := h.b
	b.mu.Lock()
	c := b.conns[conn]
	if c != nil {
		c.queue(&wire.Result{ID: wire.ID(id), Code: resultWireCode(code), From: from, Data: data})
	}
	b.unlockFlush(nil)
	return c != nil
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
	switch {
	case err == nil:
		c.confirm(wire.ID(id), wire.CodeOK, "")
	case errors.Is(err, engine.ErrUnavailable):
		c.confirm(wire.ID(id), wire.CodeStoreUnavailable, err.Error())
	default:
		c.confirm(wire.ID(id), routerCode(err), err.Error())
	}
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
		c.send(&wire.SubAck{SubID: f.SubID, Code: clusterCode(err), Message: errText(err)})
		if err != nil {
			c.b.log.Warn("teomq: subscribe refused", "peer", c.addr, "command", f.Command, "group", f.Group, "err", err)
		}
		return true
	case *wire.Unsubscribe:
		err = e.Unsubscribe(c.id, f.SubID)
		c.send(&wire.SubAck{SubID: f.SubID, Code: clusterCode(err), Message: errText(err)})
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

// clusterCode maps an engine error to its wire code.
func clusterCode(err error) wire.Code {
	if errors.Is(err, engine.ErrUnavailable) {
		return wire.CodeStoreUnavailable
	}
	return routerCode(err)
}
