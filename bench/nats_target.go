package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/teonet-go/teomq/loadgen"
)

// natsSubject is the subject of the request/reply load.
const natsSubject = "bench.echo"

// natsTarget is core NATS request/reply: an embedded nats-server, micro
// service responders in their default queue group, and requesters using
// nats.Conn.RequestWithContext. Nothing is stored.
type natsTarget struct {
	ns        *server.Server
	closeOnce sync.Once
}

var _ loadgen.Target = (*natsTarget)(nil)

func newNATSTarget() (*natsTarget, error) {
	ns, err := startNATS("", false)
	if err != nil {
		return nil, err
	}
	return &natsTarget{ns: ns}, nil
}

func (t *natsTarget) Connect(context.Context) (loadgen.Conn, error) {
	nc, err := nats.Connect(t.ns.ClientURL())
	if err != nil {
		return nil, fmt.Errorf("nats connect: %w", err)
	}
	return &natsConn{nc: nc}, nil
}

func (t *natsTarget) Fill(context.Context, int, []byte) error {
	return fmt.Errorf("core NATS fill: %w", errNotSupported)
}

// Close shuts the server down. Safe to call twice.
func (t *natsTarget) Close() error {
	t.closeOnce.Do(func() {
		t.ns.Shutdown()
		t.ns.WaitForShutdown()
	})
	return nil
}

// natsConn is one connection to a natsTarget.
type natsConn struct {
	nc  *nats.Conn
	svc micro.Service // set by Respond
}

// Respond adds a micro service whose endpoint echoes each request. Every
// service instance joins the default queue group "q", so each request
// reaches one responder.
func (c *natsConn) Respond(context.Context) error {
	svc, err := micro.AddService(c.nc, micro.Config{
		Name:    "bench",
		Version: "1.0.0",
		Endpoint: &micro.EndpointConfig{
			Subject: natsSubject,
			Handler: micro.HandlerFunc(func(r micro.Request) { r.Respond(r.Data()) }),
		},
	})
	if err != nil {
		return fmt.Errorf("micro service: %w", err)
	}
	c.svc = svc
	return c.nc.Flush()
}

func (c *natsConn) Request(ctx context.Context, payload []byte) error {
	msg, err := c.nc.RequestWithContext(ctx, natsSubject, payload)
	if err != nil {
		return err
	}
	if !bytes.Equal(msg.Data, payload) {
		return fmt.Errorf("%w: %d bytes, sent %d", loadgen.ErrBadAnswer, len(msg.Data), len(payload))
	}
	return nil
}

func (c *natsConn) Send(context.Context, []byte) error {
	return fmt.Errorf("core NATS send: %w", errNotSupported)
}

func (c *natsConn) Consume(context.Context, func()) error {
	return fmt.Errorf("core NATS consume: %w", errNotSupported)
}

// Close stops the service, if any, and closes the connection. Safe to
// call twice.
func (c *natsConn) Close() error {
	if c.svc != nil {
		c.svc.Stop()
	}
	c.nc.Close()
	return nil
}
