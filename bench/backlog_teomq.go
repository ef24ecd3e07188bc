package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// teomqBacklog is the teomq side of the backlog comparison: an in-process
// broker in sync durability with the default Window, its identity and
// data in a temporary directory that outlives a restart. Its methods are
// called from one goroutine.
type teomqBacklog struct {
	dir    string
	n      int                  // the backlog; bounds the queue at 2n
	broker *teomq.Broker        // the running broker, or nil
	target *loadgen.TeomqTarget // clients of the running broker, or nil
	conn   loadgen.Conn         // the consumer after restart, or nil

	closeOnce sync.Once
	closeErr  error
}

var _ backlogSide = (*teomqBacklog)(nil)

func newTeomqBacklog() (*teomqBacklog, error) {
	dir, err := os.MkdirTemp("", "teomq-bench-backlog-")
	if err != nil {
		return nil, err
	}
	return &teomqBacklog{dir: dir}, nil
}

func (s *teomqBacklog) name() string {
	return "teomq sync (TLS 1.3, fsync before confirm, default Window)"
}

// start starts the broker on s.dir and a target connecting to it.
func (s *teomqBacklog) start() error {
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		Name:        "bench-broker",
		ConfigDir:   s.dir,
		DataDir:     filepath.Join(s.dir, "data"),
		Listen:      "127.0.0.1:0",
		Durability:  teomq.DurabilitySync,
		MaxQueueLen: 2 * s.n,
		// The default byte limit (1 GiB) is below 10M messages of 128 B.
		MaxQueueBytes: 2 * int64(s.n) * backlogPayload,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	s.broker = b
	t, err := loadgen.NewTeomq(loadgen.TeomqConfig{Broker: b.Endpoint(), EphemeralClients: true})
	if err != nil {
		return err
	}
	s.target = t
	return nil
}

func (s *teomqBacklog) fill(ctx context.Context, n, size int) error {
	s.n = n
	if err := s.start(); err != nil {
		return err
	}
	return s.target.Fill(ctx, n, make([]byte, size))
}

func (s *teomqBacklog) stop() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
		s.conn = nil
	}
	if s.target != nil {
		errs = append(errs, s.target.Close())
		s.target = nil
	}
	if s.broker != nil {
		errs = append(errs, s.broker.Close())
		s.broker = nil
	}
	return errors.Join(errs...)
}

// restart starts the broker on the same data and subscribes one consumer
// (loadgen's default concurrency, 64) that acks each message.
func (s *teomqBacklog) restart(ctx context.Context, onMsg func()) error {
	if err := s.start(); err != nil {
		return err
	}
	c, err := s.target.Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	s.conn = c
	return c.Consume(ctx, onMsg)
}

func (s *teomqBacklog) close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.stop(), os.RemoveAll(s.dir))
	})
	return s.closeErr
}
