package clustertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsConnect connects a NATS client to every URL of the cluster, so that
// it moves to another node when one stops; closed when the test ends.
func natsConnect(t testing.TB, c *natsCluster) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(strings.Join(c.URLs(), ","), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

// WaitLeaders waits up to d until every stream of the cluster and every
// consumer of them has a leader: after the whole cluster restarts, each of
// them elects its own, some seconds apart, and a call to one without a
// leader hangs until its timeout.
func (c *natsCluster) WaitLeaders(d time.Duration) {
	c.t.Helper()
	js := natsConnect(c.t, c)
	deadline := time.Now().Add(d)
	for {
		missing, err := c.leaderless(js)
		if err == nil && missing == "" {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v: %s has no leader (%v)", d, missing, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leaderless returns the name of a stream or consumer without a leader,
// "" when all have one.
func (c *natsCluster) leaderless(js jetstream.JetStream) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	streams := js.ListStreams(ctx)
	for si := range streams.Info() {
		if si.Cluster == nil || si.Cluster.Leader == "" {
			return "stream " + si.Config.Name, nil
		}
		s, err := js.Stream(ctx, si.Config.Name)
		if err != nil {
			return "stream " + si.Config.Name, err
		}
		consumers := s.ListConsumers(ctx)
		for ci := range consumers.Info() {
			if ci.Cluster == nil || ci.Cluster.Leader == "" {
				return "consumer " + si.Config.Name + " > " + ci.Name, nil
			}
		}
		if err := consumers.Err(); err != nil {
			return "consumers of " + si.Config.Name, err
		}
	}
	return "", streams.Err()
}

// natsProbeStream is the stream waitReady creates and deletes to see that
// the cluster takes streams.
const natsProbeStream = "HARNESS_PROBE"

// probe creates a stream of as many replicas as the running nodes, until
// the cluster answers or deadline passes (each try bounded by 2 s), and
// deletes it.
func (c *natsCluster) probe(deadline time.Time) {
	c.t.Helper()
	replicas := 0
	for _, nd := range c.nodes {
		if nd.srv != nil {
			replicas++
		}
	}
	nc, err := nats.Connect(strings.Join(c.URLs(), ","))
	if err != nil {
		c.t.Fatalf("nats connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatalf("jetstream: %v", err)
	}
	cfg := jetstream.StreamConfig{Name: natsProbeStream, Subjects: []string{"harness.probe"}, Replicas: replicas, Storage: jetstream.MemoryStorage}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.CreateOrUpdateStream(ctx, cfg)
		if err == nil {
			err = js.DeleteStream(ctx, natsProbeStream)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("nats cluster takes no %d-replica stream: %v", replicas, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queueState describes what the cluster holds for command's default
// group, for a failure message: the stream's message counts and the
// consumer's pending, in-flight and delivered counts. command must be
// of letters, digits and _ only (see docs/cluster.md, "Names").
// waitStored waits up to 10 s until the stream holds a message of command.
func (tc *teomqCluster) waitStored(command string) {
	tc.t.Helper()
	js := natsConnect(tc.t, tc.nats)
	subject := tc.cfg.ClusterPrefix + ".q." + command
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := js.Stream(ctx, tc.msgsStream())
		if err == nil {
			var si *jetstream.StreamInfo
			if si, err = s.Info(ctx, jetstream.WithSubjectFilter(subject)); err == nil && si.State.Subjects[subject] > 0 {
				cancel()
				return
			}
		}
		cancel()
		if time.Now().After(deadline) {
			tc.t.Fatalf("no message of %q stored after 10 s (%v)", command, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tc *teomqCluster) queueState(command string) string {
	js := natsConnect(tc.t, tc.nats)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, tc.msgsStream())
	if err != nil {
		return fmt.Sprintf("stream: %v", err)
	}
	subject := tc.cfg.ClusterPrefix + ".q." + command
	si, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return fmt.Sprintf("stream info: %v", err)
	}
	out := fmt.Sprintf("stream %d messages (%d of the command), first seq %d, last %d, %d consumers",
		si.State.Msgs, si.State.Subjects[subject], si.State.FirstSeq, si.State.LastSeq, si.State.Consumers)
	ci, err := s.Consumer(ctx, "q-"+command+"-_")
	if err != nil {
		return out + fmt.Sprintf("; consumer: %v", err)
	}
	info, err := ci.Info(ctx)
	if err != nil {
		return out + fmt.Sprintf("; consumer info: %v", err)
	}
	out += fmt.Sprintf("; consumer (%v, ack wait %v, created %s): %d pending, %d ack pending, %d redelivered, %d waiting pulls, delivered up to stream seq %d, acked floor %d",
		info.Config.DeliverPolicy, info.Config.AckWait, info.Created.Format("15:04:05.000"), info.NumPending, info.NumAckPending, info.NumRedelivered, info.NumWaiting, info.Delivered.Stream, info.AckFloor.Stream)
	if m, err := s.GetLastMsgForSubject(ctx, subject); err == nil {
		out += fmt.Sprintf("; the command's last message: seq %d, stored %s", m.Sequence, m.Time.Format("15:04:05.000"))
	}
	return out
}
