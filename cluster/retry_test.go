package cluster

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// A request the cluster leaves unanswered, or answers with "no leader",
// is sent again; one it refuses is not; the caller's context bounds all.
func TestRetry(t *testing.T) {
	t.Run("unanswered, then answered", func(t *testing.T) {
		tries := 0
		v, err := retry(context.Background(), func(ctx context.Context) (int, error) {
			tries++
			if tries == 1 {
				<-ctx.Done() // the server never answers this one
				return 0, ctx.Err()
			}
			return 42, nil
		})
		if v != 42 || err != nil || tries != 2 {
			t.Fatalf("got %d, %v after %d tries; want 42 after 2", v, err, tries)
		}
	})
	t.Run("no leader, then answered", func(t *testing.T) {
		tries := 0
		v, err := retry(context.Background(), func(context.Context) (int, error) {
			tries++
			if tries < 3 {
				return 0, &jetstream.APIError{Code: 503, ErrorCode: errCodeClusterNotAvail}
			}
			return 7, nil
		})
		if v != 7 || err != nil || tries != 3 {
			t.Fatalf("got %d, %v after %d tries; want 7 after 3", v, err, tries)
		}
	})
	t.Run("refused", func(t *testing.T) {
		tries := 0
		_, err := retry(context.Background(), func(context.Context) (int, error) {
			tries++
			return 0, jetstream.ErrConsumerNotFound
		})
		if !errors.Is(err, jetstream.ErrConsumerNotFound) || tries != 1 {
			t.Fatalf("got %v after %d tries; want ErrConsumerNotFound after 1", err, tries)
		}
	})
	t.Run("caller's context ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*apiAttempt/2)
		defer cancel()
		tries := 0
		_, err := retry(ctx, func(ctx context.Context) (int, error) {
			tries++
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if !errors.Is(err, context.DeadlineExceeded) || tries != 2 {
			t.Fatalf("got %v after %d tries; want the deadline after 2", err, tries)
		}
	})
}
