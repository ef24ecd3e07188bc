package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/loadgen"
)

// JetStream names of the work queue.
const (
	jsStream   = "BENCH"
	jsSubject  = "bench.work"
	jsConsumer = "worker"
	// jsFillBatch is how many async publishes Fill keeps in flight.
	jsFillBatch = 1000
)

// jetStreamTarget is a JetStream work-queue stream with file storage in a
// temporary directory, on an embedded nats-server. Sends are synchronous
// publishes (each waits for its PubAck); consumers share one durable pull
// consumer with explicit acks.
type jetStreamTarget struct {
	ns        *server.Server
	dir       string
	closeOnce sync.Once
	closeErr  error
}

var _ loadgen.Target = (*jetStreamTarget)(nil)

// newJetStreamTarget starts the server (sync_interval "always" when
// syncAlways, else the default) and creates the stream and its consumer.
func newJetStreamTarget(ctx context.Context, syncAlways bool) (*jetStreamTarget, error) {
	dir, err := os.MkdirTemp("", "teomq-bench-jetstream-")
	if err != nil {
		return nil, err
	}
	ns, err := startNATS(dir, syncAlways)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	t := &jetStreamTarget{ns: ns, dir: dir}
	if err := t.setup(ctx); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// setup creates the work-queue stream and the shared durable consumer.
func (t *jetStreamTarget) setup(ctx context.Context) error {
	nc, js, err := t.dial()
	if err != nil {
		return err
	}
	defer nc.Close()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:      jsStream,
		Subjects:  []string{jsSubject},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
	}); err != nil {
		return fmt.Errorf("jetstream: create stream: %w", err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, jsStream, jetstream.ConsumerConfig{
		Durable:   jsConsumer,
		AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		return fmt.Errorf("jetstream: create consumer: %w", err)
	}
	return nil
}

func (t *jetStreamTarget) dial() (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(t.ns.ClientURL())
	if err != nil {
		return nil, nil, fmt.Errorf("nats connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

func (t *jetStreamTarget) Connect(context.Context) (loadgen.Conn, error) {
	nc, js, err := t.dial()
	if err != nil {
		return nil, err
	}
	return &jetStreamConn{nc: nc, js: js}, nil
}

// Fill publishes n messages asynchronously, jsFillBatch at a time, and
// returns once every PubAck arrived.
func (t *jetStreamTarget) Fill(ctx context.Context, n int, payload []byte) error {
	nc, js, err := t.dial()
	if err != nil {
		return err
	}
	defer nc.Close()
	futures := make([]jetstream.PubAckFuture, 0, jsFillBatch)
	for sent := 0; sent < n; {
		futures = futures[:0]
		for ; sent < n && len(futures) < jsFillBatch; sent++ {
			f, err := js.PublishAsync(jsSubject, payload)
			if err != nil {
				return fmt.Errorf("jetstream: publish: %w", err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("jetstream: publish: %w", err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Close shuts the server down and removes its store. Safe to call twice.
func (t *jetStreamTarget) Close() error {
	t.closeOnce.Do(func() {
		t.ns.Shutdown()
		t.ns.WaitForShutdown()
		t.closeErr = os.RemoveAll(t.dir)
	})
	return t.closeErr
}

// jetStreamConn is one connection to a jetStreamTarget.
type jetStreamConn struct {
	nc *nats.Conn
	js jetstream.JetStream
	cc jetstream.ConsumeContext // set by Consume
}

func (c *jetStreamConn) Respond(context.Context) error {
	return fmt.Errorf("jetstream respond: %w", errNotSupported)
}

func (c *jetStreamConn) Request(context.Context, []byte) error {
	return fmt.Errorf("jetstream request: %w", errNotSupported)
}

// Send publishes synchronously: it returns once the stream's PubAck came.
func (c *jetStreamConn) Send(ctx context.Context, payload []byte) error {
	_, err := c.js.Publish(ctx, jsSubject, payload)
	return err
}

// Consume pulls from the shared durable consumer with the client's default
// settings and acks each message without waiting for the ack's reply.
func (c *jetStreamConn) Consume(ctx context.Context, onMsg func()) error {
	cons, err := c.js.Consumer(ctx, jsStream, jsConsumer)
	if err != nil {
		return fmt.Errorf("jetstream: consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		onMsg()
		m.Ack()
	})
	if err != nil {
		return fmt.Errorf("jetstream: consume: %w", err)
	}
	c.cc = cc
	return nil
}

// Close stops consuming, if it did, and closes the connection. Safe to
// call twice.
func (c *jetStreamConn) Close() error {
	if c.cc != nil {
		c.cc.Stop()
	}
	c.nc.Close()
	return nil
}
