package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/loadgen"
)

// replyHeader carries a request's reply subject through the stream: a
// JetStream message's own reply subject is its ack subject.
const replyHeader = "Bench-Reply"

// jetStreamR3Target is JetStream used directly on the shared cluster: one
// R3 work-queue stream with file storage (named apart for each run) and a
// durable pull consumer with explicit acks. The k-th connection goes to
// node k mod 3.
//
// A send is a synchronous publish (it returns at the PubAck: stored on 2
// of 3 nodes). A request is the same publish carrying the client's inbox
// in a header, then a wait for the answer there; a responder pulls it,
// publishes the answer to that inbox with core NATS and acks. The request
// is replicated, the answer is not (teomq stores it in the producer's R3
// mailbox too). Safe for concurrent use.
type jetStreamR3Target struct {
	cluster *natsCluster
	stream  string
	subject string
	next    atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

var _ loadgen.Target = (*jetStreamR3Target)(nil)

// newJetStreamR3Target creates the stream name and its consumer on c.
func newJetStreamR3Target(ctx context.Context, c *natsCluster, name string) (*jetStreamR3Target, error) {
	t := &jetStreamR3Target{cluster: c, stream: "BENCH_" + name, subject: "bench." + name}
	nc, js, err := c.dial(0)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:      t.stream,
		Subjects:  []string{t.subject},
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  clusterNodes,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: create stream: %w", err)
	}
	if _, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   jsConsumer,
		AckPolicy: jetstream.AckExplicitPolicy,
		Replicas:  clusterNodes,
	}); err != nil {
		t.Close()
		return nil, fmt.Errorf("jetstream: create consumer: %w", err)
	}
	return t, nil
}

// Connect connects to the next node in turn.
func (t *jetStreamR3Target) Connect(context.Context) (loadgen.Conn, error) {
	nc, js, err := t.cluster.dial(int(t.next.Add(1) - 1))
	if err != nil {
		return nil, err
	}
	c := &jetStreamR3Conn{t: t, nc: nc, js: js, inbox: nc.NewInbox()}
	if c.answers, err = nc.SubscribeSync(c.inbox); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats subscribe: %w", err)
	}
	return c, nil
}

// Fill is not needed by the cluster rows.
func (t *jetStreamR3Target) Fill(context.Context, int, []byte) error {
	return fmt.Errorf("jetstream R3 fill: %w", errNotSupported)
}

// Close deletes the stream. Safe to call twice.
func (t *jetStreamR3Target) Close() error {
	t.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), natsReadyTimeout)
		defer cancel()
		t.closeErr = t.cluster.deleteStreams(ctx, t.stream)
	})
	return t.closeErr
}

// jetStreamR3Conn is one connection to a jetStreamR3Target.
type jetStreamR3Conn struct {
	t       *jetStreamR3Target
	nc      *nats.Conn
	js      jetstream.JetStream
	inbox   string
	answers *nats.Subscription
	cc      jetstream.ConsumeContext // set by Respond
}

// Respond pulls requests with the client's default settings but a 1 s idle
// heartbeat (a pull lost while the cluster still sets up the consumer is
// then sent again within 2 s, not 30 s; teomq's engine does the same),
// answers each to its inbox and acks it without waiting for the ack's
// reply.
func (c *jetStreamR3Conn) Respond(ctx context.Context) error {
	cons, err := c.js.Consumer(ctx, c.t.stream, jsConsumer)
	if err != nil {
		return fmt.Errorf("jetstream: consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if reply := m.Headers().Get(replyHeader); reply != "" {
			_ = c.nc.Publish(reply, m.Data())
		}
		_ = m.Ack()
	}, jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return fmt.Errorf("jetstream: consume: %w", err)
	}
	c.cc = cc
	return nil
}

// Request publishes payload with the inbox in its headers, waits for the
// PubAck, then for the answer.
func (c *jetStreamR3Conn) Request(ctx context.Context, payload []byte) error {
	m := nats.NewMsg(c.t.subject)
	m.Data = payload
	m.Header.Set(replyHeader, c.inbox)
	if _, err := c.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("jetstream publish: %w", err)
	}
	ans, err := c.answers.NextMsgWithContext(ctx)
	if err != nil {
		return fmt.Errorf("jetstream answer: %w", err)
	}
	if !bytes.Equal(ans.Data, payload) {
		return fmt.Errorf("%w: %d bytes, sent %d", loadgen.ErrBadAnswer, len(ans.Data), len(payload))
	}
	return nil
}

// Send publishes synchronously: it returns once the stream's PubAck came.
func (c *jetStreamR3Conn) Send(ctx context.Context, payload []byte) error {
	_, err := c.js.Publish(ctx, c.t.subject, payload)
	return err
}

func (c *jetStreamR3Conn) Consume(context.Context, func()) error {
	return fmt.Errorf("jetstream R3 consume: %w", errNotSupported)
}

// Close stops responding, if it did, and closes the connection. Safe to
// call twice.
func (c *jetStreamR3Conn) Close() error {
	if c.cc != nil {
		c.cc.Stop()
	}
	c.nc.Close()
	return nil
}
