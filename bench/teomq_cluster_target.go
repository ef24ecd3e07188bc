package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// teomqClusterTarget is n teomq brokers in cluster mode on the shared
// JetStream cluster (R3 streams under a prefix of their own), each with
// its own identity and listener on 127.0.0.1. The k-th connection goes to
// broker k mod n: the responders (connected first) and the clients are
// spread over every broker, so most messages are published through one
// broker and taken through another. The brokers' goroutines carry the
// pprof label part=teomq-cluster. Safe for concurrent use.
type teomqClusterTarget struct {
	cluster *natsCluster
	prefix  string
	dirs    []string
	brokers []*teomq.Broker
	targets []*loadgen.TeomqTarget // targets[i] connects to brokers[i]
	next    atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

var _ loadgen.Target = (*teomqClusterTarget)(nil)

// newTeomqClusterTarget starts n brokers on c, their streams named after
// prefix, and makes the load's queue through each (warmUp).
func newTeomqClusterTarget(ctx context.Context, c *natsCluster, prefix string, n int) (*teomqClusterTarget, error) {
	t := &teomqClusterTarget{cluster: c, prefix: prefix}
	for i := range n {
		if err := t.startBroker(i); err != nil {
			t.Close()
			return nil, err
		}
	}
	if err := t.warmUp(ctx); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// warmUp sends one message through each broker in turn, before the timed
// part: the first sends of a command make its queue in the cluster, and
// when many race (through one broker or several) some wait for a consumer
// that is still being created (up to the engine's 10 s API timeout) and
// some are confirmed but never delivered (BENCHMARKS.md, "Cluster mode").
// The messages stay queued; a request row's responders take them first.
func (t *teomqClusterTarget) warmUp(ctx context.Context) error {
	for i, lt := range t.targets {
		c, err := lt.Connect(ctx)
		if err != nil {
			return fmt.Errorf("warm-up through broker %d: %w", i, err)
		}
		err = c.Send(ctx, []byte("warm-up"))
		c.Close()
		if err != nil {
			return fmt.Errorf("warm-up through broker %d: %w", i, err)
		}
	}
	return nil
}

// startBroker starts broker i and the loadgen target that connects to it.
func (t *teomqClusterTarget) startBroker(i int) error {
	dir, err := os.MkdirTemp("", "teomq-bench-broker-")
	if err != nil {
		return err
	}
	t.dirs = append(t.dirs, dir)
	var b *teomq.Broker
	pprof.Do(context.Background(), pprof.Labels(cpuLabel, "teomq-cluster"), func(context.Context) {
		b, err = teomq.NewBroker(teomq.BrokerConfig{
			Name:            fmt.Sprintf("bench-broker-%d", i),
			ConfigDir:       dir,
			Listen:          "127.0.0.1:0",
			Cluster:         t.cluster.URLs(),
			ClusterReplicas: clusterNodes,
			ClusterPrefix:   t.prefix,
			MaxQueueLen:     1 << 30,
			Logger:          slog.New(slog.DiscardHandler),
		})
	})
	if err != nil {
		return fmt.Errorf("broker %d: %w", i, err)
	}
	t.brokers = append(t.brokers, b)
	lt, err := loadgen.NewTeomq(loadgen.TeomqConfig{Broker: b.Endpoint(), EphemeralClients: true})
	if err != nil {
		return err
	}
	t.targets = append(t.targets, lt)
	return nil
}

// Connect connects a client to the next broker in turn.
func (t *teomqClusterTarget) Connect(ctx context.Context) (loadgen.Conn, error) {
	k := int(t.next.Add(1) - 1)
	return t.targets[k%len(t.targets)].Connect(ctx)
}

// Fill stores n messages through the first broker.
func (t *teomqClusterTarget) Fill(ctx context.Context, n int, payload []byte) error {
	return t.targets[0].Fill(ctx, n, payload)
}

// Close stops the brokers and deletes their streams. Safe to call twice.
func (t *teomqClusterTarget) Close() error {
	t.closeOnce.Do(func() {
		var errs []error
		for _, lt := range t.targets {
			errs = append(errs, lt.Close())
		}
		for _, b := range t.brokers {
			errs = append(errs, b.Close())
		}
		for _, dir := range t.dirs {
			errs = append(errs, os.RemoveAll(dir))
		}
		ctx, cancel := context.WithTimeout(context.Background(), natsReadyTimeout)
		defer cancel()
		errs = append(errs, t.cluster.deleteStreams(ctx, t.prefix+"_MSGS", t.prefix+"_ANSWERS", t.prefix+"_DEAD"))
		t.closeErr = errors.Join(errs...)
	})
	return t.closeErr
}
