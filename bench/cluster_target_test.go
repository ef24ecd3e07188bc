package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/loadgen"
)

// startSharedCluster starts a JetStream cluster for one test.
func startSharedCluster(t *testing.T) (*sharedCluster, *natsCluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shared := &sharedCluster{}
	t.Cleanup(func() { shared.Close() })
	c, err := shared.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return shared, c
}

// connectN opens n connections to target, closed at the test's end.
func connectN(t *testing.T, ctx context.Context, target loadgen.Target, n int) []loadgen.Conn {
	t.Helper()
	conns := make([]loadgen.Conn, n)
	for i := range conns {
		c, err := target.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns
}

// TestTeomqClusterTargetSpreadsOverBrokers checks what the cluster rows
// rely on: connections spread evenly over the brokers, requests published
// through one broker are answered by responders on others, and closing
// the target removes its streams from the cluster.
func TestTeomqClusterTargetSpreadsOverBrokers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shared, c := startSharedCluster(t)
	prefix := shared.name()
	target, err := newTeomqClusterTarget(ctx, c, prefix, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	responders := connectN(t, ctx, target, 3)
	for _, r := range responders {
		if err := r.Respond(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, cl := range connectN(t, ctx, target, 6) {
		for range 5 {
			if err := cl.Request(ctx, []byte("ping")); err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
		}
	}
	// After a request each, every connection is known to its broker.
	for i, b := range target.brokers {
		if s := b.Stats(); s.Connections != 3 || s.Subscribers != 1 {
			t.Errorf("broker %d: %d connections, %d subscribers; want 3 and 1 (one responder, two clients)", i, s.Connections, s.Subscribers)
		}
	}
	if err := target.Close(); err != nil {
		t.Fatal(err)
	}
	nc, js, err := c.dial(0)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, name := range []string{prefix + "_MSGS", prefix + "_ANSWERS", prefix + "_DEAD"} {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("stream %s after Close: %v, want it deleted", name, err)
		}
	}
}

// TestJetStreamR3Target checks the direct JetStream side: its stream has
// three replicas, requests through every node get their own payload back,
// and closing the target deletes the stream.
func TestJetStreamR3Target(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shared, c := startSharedCluster(t)
	target, err := newJetStreamR3Target(ctx, c, shared.name())
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	nc, js, err := c.dial(0)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, err := js.Stream(ctx, target.stream)
	if err != nil {
		t.Fatal(err)
	}
	if info := s.CachedInfo(); info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Errorf("stream %s: %d replicas configured, cluster %+v; want 3 (a leader and 2 followers)", target.stream, info.Config.Replicas, info.Cluster)
	}
	responders := connectN(t, ctx, target, 2)
	for _, r := range responders {
		if err := r.Respond(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, cl := range connectN(t, ctx, target, 3) { // one on each node
		for j := range 5 {
			if err := cl.Request(ctx, []byte{byte(i), byte(j)}); err != nil {
				t.Fatalf("client %d request %d: %v", i, j, err)
			}
		}
		if err := cl.Send(ctx, []byte("stored")); err != nil {
			t.Fatalf("client %d send: %v", i, err)
		}
	}
	if err := target.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx, target.stream); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream %s after Close: %v, want it deleted", target.stream, err)
	}
}

// TestExternalCluster runs a cluster row on a JetStream cluster that
// -nats-cluster names: the run uses it, deletes the streams it made, and
// leaves it running.
func TestExternalCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, c := startSharedCluster(t)
	nc, js, err := c.dial(0)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	before, err := js.AccountInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-nats-cluster", strings.Join(c.URLs(), ","), "-only", "cluster-send-64-b2", "-scale", "0.001"}
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	if cells := tableRows(t, stdout.String())["cluster-send-64-b2"]; cells == nil || !positiveNumber(cells[3]) || !positiveNumber(cells[7]) {
		t.Fatalf("cluster-send-64-b2 on the external cluster: %q\n%s", cells, stdout.String())
	}
	var left []string
	for name := range js.StreamNames(ctx).Name() {
		left = append(left, name)
	}
	if len(left) != 0 {
		t.Errorf("streams left on the external cluster: %v", left)
	}
	after, err := js.AccountInfo(ctx)
	if err != nil {
		t.Fatalf("the external cluster after the run: %v", err)
	}
	if after.API.Total-before.API.Total < 10 {
		t.Errorf("the run made %d JetStream API calls on the external cluster, want it used", after.API.Total-before.API.Total)
	}
}
