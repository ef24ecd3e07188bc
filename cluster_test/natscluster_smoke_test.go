package clustertest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// publishRetry publishes data, its own message ID, until the cluster
// acknowledges it: a publish in flight when the client's node stops gets no
// answer, and its retry under the same ID is stored once. At most 20
// attempts of 1 s each.
func publishRetry(ctx context.Context, js jetstream.JetStream, subject, data string) error {
	var err error
	for range 20 {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		_, err = js.Publish(actx, subject, []byte(data), jetstream.WithMsgID(data))
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// The harness's cluster takes an R3 stream, acknowledges publishes with a
// node down, and the stream keeps every acknowledged message across the
// restart of its leader's node and of the whole cluster.
func TestNATSClusterKeepsAnR3StreamAcrossRestarts(t *testing.T) {
	t.Parallel()
	c := startNATSCluster(t, 3)
	js := natsConnect(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const stream = "SMOKE"
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"smoke.>"}, Replicas: 3})
	if err != nil {
		t.Fatalf("create R3 stream: %v", err)
	}
	if n := len(s.CachedInfo().Cluster.Replicas); n != 2 {
		t.Fatalf("stream has %d replicas besides its leader, want 2", n)
	}
	publish := func(what string) {
		t.Helper()
		if err := publishRetry(ctx, js, "smoke.a", what); err != nil {
			t.Fatalf("publish %s: %v", what, err)
		}
	}
	publish("before")

	leader := c.WaitStreamLeader(stream, 10*time.Second)
	c.StopNode(leader)
	publish("while its leader's node is down")
	c.RestartNode(leader)
	publish("after the restart")

	c.StopAll()
	c.RestartAll()
	c.WaitStreamLeader(stream, 20*time.Second)
	publish("after the cluster's restart")

	info, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream after restarts: %v", err)
	}
	if got := info.CachedInfo().State.Msgs; got != 4 {
		t.Fatalf("stream holds %d messages, want the 4 acknowledged", got)
	}
}
