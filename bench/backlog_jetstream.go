package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// jetStreamBacklog is the JetStream side of the backlog comparison: a
// work-queue stream on file storage (R1, the server's default
// sync_interval) with a durable pull consumer created before the fill, on
// an embedded nats-server whose store directory outlives a restart. Its
// methods are called from one goroutine.
type jetStreamBacklog struct {
	dir    string
	target *jetStreamTarget // the running server, or nil
	conn   *jetStreamConn   // the consumer after restart, or nil

	closeOnce sync.Once
	closeErr  error
}

var _ backlogSide = (*jetStreamBacklog)(nil)

func newJetStreamBacklog() (*jetStreamBacklog, error) {
	dir, err := os.MkdirTemp("", "teomq-bench-jsbacklog-")
	if err != nil {
		return nil, err
	}
	return &jetStreamBacklog{dir: dir}, nil
}

func (s *jetStreamBacklog) name() string {
	return "JetStream file work-queue (no TLS, fsync every 2 min)"
}

// start starts the server on s.dir.
func (s *jetStreamBacklog) start() error {
	ns, err := startNATS(s.dir, false)
	if err != nil {
		return err
	}
	s.target = &jetStreamTarget{ns: ns}
	return nil
}

func (s *jetStreamBacklog) fill(ctx context.Context, n, size int) error {
	if err := s.start(); err != nil {
		return err
	}
	if err := s.target.setup(ctx); err != nil {
		return err
	}
	return s.target.Fill(ctx, n, make([]byte, size))
}

func (s *jetStreamBacklog) stop() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
		s.conn = nil
	}
	if s.target != nil {
		s.target.ns.Shutdown()
		s.target.ns.WaitForShutdown()
		s.target = nil
	}
	return errors.Join(errs...)
}

// restart starts the server on the same store and consumes from the
// durable consumer with the client's default pull settings, acking each
// message.
func (s *jetStreamBacklog) restart(ctx context.Context, onMsg func()) error {
	if err := s.start(); err != nil {
		return err
	}
	c, err := s.target.Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.conn = c.(*jetStreamConn)
	return s.conn.Consume(ctx, onMsg)
}

func (s *jetStreamBacklog) close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.stop(), os.RemoveAll(s.dir))
	})
	return s.closeErr
}
