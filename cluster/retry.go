package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A server of the cluster may leave a JetStream API request unanswered
// while the consumer or stream it asks about has no leader yet: one just
// made, or one electing a new leader. The engine's idempotent calls are
// therefore tried again, each try bounded by apiAttempt, until their
// caller's context ends.

// apiAttempt bounds one try of an idempotent call to the JetStream API.
const apiAttempt = time.Second

// errCodeClusterNotAvail is JetStream's error code for a request that
// found no leader to answer it ("JetStream system temporarily
// unavailable").
const errCodeClusterNotAvail jetstream.ErrorCode = 10008

// retry runs call until it returns an answer, an error other than a lost
// request, or ctx ends. call must be idempotent.
func retry[T any](ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, apiAttempt)
		v, err := call(actx)
		cancel()
		if err == nil || !lost(err) || ctx.Err() != nil {
			return v, err
		}
	}
}

// lost reports whether err says the request got no answer, or found no
// leader to answer it: the same request may be answered if sent again.
func lost(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrTimeout) ||
		errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeClusterNotAvail
}

// consumer returns s's consumer name.
func consumer(ctx context.Context, s jetstream.Stream, name string) (jetstream.Consumer, error) {
	return retry(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
		return s.Consumer(ctx, name)
	})
}

// bindConsumer returns s's consumer of cc.Durable, creating it with cc if
// no broker did yet.
func bindConsumer(ctx context.Context, s jetstream.Stream, cc jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	c, err := consumer(ctx, s, cc.Durable)
	if err == nil || !isNotFound(err) {
		return c, err
	}
	// JetStream creates a consumer once: a second create with the same
	// settings, a retried one say, returns it.
	c, err = retry(ctx, func(ctx context.Context) (jetstream.Consumer, error) {
		return s.CreateConsumer(ctx, cc)
	})
	if errors.Is(err, jetstream.ErrConsumerExists) {
		c, err = consumer(ctx, s, cc.Durable) // another broker was first, with other settings
	}
	return c, err
}
