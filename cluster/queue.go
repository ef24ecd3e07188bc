package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/engine"
	"github.com/teonet-go/teomq/router"
)

// groupConsumer returns the cluster's consumer of key's group, creating it
// if no broker did yet.
func (e *Engine) groupConsumer(ctx context.Context, key groupKey, ephemeral bool) (jetstream.Consumer, error) {
	cc := jetstream.ConsumerConfig{
		Durable: e.names.groupConsumer(key.command, key.group),
		FilterSubjects: []string{
			e.names.msgSubject(key.command),
			e.names.replaySubject(key.command, key.group),
		},
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       e.ackWait,
		MaxDeliver:    -1,
		MaxAckPending: maxAckPending,
		DeliverPolicy: jetstream.DeliverNewPolicy,
	}
	if key.group == router.DefaultGroup {
		cc.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	if ephemeral && key.group != router.DefaultGroup {
		cc.InactiveThreshold = ephemeralIdle
	}
	c, err := bindConsumer(ctx, e.msgs, cc)
	if err != nil {
		return nil, unavailable(err)
	}
	return c, nil
}

// ensureQueue makes sure m will wait for a consumer: the stream keeps a
// message only while some consumer has it, so a command with no group in
// the cluster gets its default group's consumer, as does a command whose
// request is answered by the default group; a request naming another
// answer group is refused if that group does not exist. It then waits
// until the stream's leader has the consumer (awaitInterest). What it
// learns is remembered (e.known); one call per command runs at a time.
func (e *Engine) ensureQueue(m *router.Message) error {
	answer := groupKey{command: m.Command, group: m.AnswerGroup}
	for {
		e.mu.Lock()
		if time.Now().Before(e.known[m.Command]) && (!m.Request || e.knownGroups[answer]) {
			e.mu.Unlock()
			return nil
		}
		if call := e.ensuring[m.Command]; call != nil {
			e.mu.Unlock()
			select {
			case <-call.done:
			case <-e.exit:
				return errClosed
			}
			if errors.Is(call.err, engine.ErrUnavailable) {
				return call.err // the cluster failed it just now
			}
			continue // look again: it may have made sure of another group
		}
		call := &ensureCall{done: make(chan struct{})}
		e.ensuring[m.Command] = call
		e.mu.Unlock()
		call.err = e.makeQueue(m, answer)
		e.mu.Lock()
		delete(e.ensuring, m.Command)
		close(call.done)
		e.mu.Unlock()
		return call.err
	}
}

// ensureCall is an ensureQueue under way; err is set before done closes.
type ensureCall struct {
	done chan struct{}
	err  error
}

// makeQueue is ensureQueue's work, for one caller at a time per command.
func (e *Engine) makeQueue(m *router.Message, answer groupKey) error {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	var cons jetstream.Consumer
	if m.Request {
		c, err := consumer(ctx, e.msgs, e.names.groupConsumer(m.Command, m.AnswerGroup))
		switch {
		case err == nil:
		case !isNotFound(err):
			return unavailable(err)
		case m.AnswerGroup != router.DefaultGroup:
			return fmt.Errorf("%w: %q of %q", router.ErrNoAnswerGroup, m.AnswerGroup, m.Command)
		default:
			if c, err = e.groupConsumer(ctx, answer, false); err != nil {
				return err
			}
		}
		cons = c
	} else {
		name, err := e.anyGroup(ctx, m.Command)
		if err != nil {
			return err
		}
		if name != "" {
			cons, err = consumer(ctx, e.msgs, name)
		} else {
			cons, err = e.groupConsumer(ctx, groupKey{command: m.Command}, false)
		}
		if err != nil {
			return unavailable(err)
		}
	}
	if err := e.awaitInterest(ctx, m.Command, cons); err != nil {
		return err
	}
	e.mu.Lock()
	e.known[m.Command] = time.Now().Add(knownTTL)
	if m.Request {
		e.knownGroups[answer] = true
	}
	e.mu.Unlock()
	return nil
}

// hdrProbe marks awaitInterest's probes; consumers ack them unseen.
const hdrProbe = "Teomq-Probe"

// awaitInterest waits until the stream's leader keeps command's messages
// for cons. A consumer just created may not be known yet to the server
// that leads the stream, which then drops a message no consumer wants
// (interest retention): the broker would confirm a message no group gets.
// It waits until the server leading the stream runs the consumer (as its
// leader or a current replica), then publishes a probe and looks for
// it: kept, or gone while cons delivered a message more, means the leader
// has the consumer. Neither a probe found at once (the leader may drop it
// a moment later) nor the consumer's stream sequence (which also moves
// past the messages the leader dropped) is enough by itself.
func (e *Engine) awaitInterest(ctx context.Context, command string, cons jetstream.Consumer) error {
	for {
		before, err := retry(ctx, cons.Info)
		if err != nil {
			return unavailable(err)
		}
		runs, err := e.leaderRuns(ctx, before)
		if err != nil {
			return unavailable(err)
		}
		if !runs {
			if err := e.pauseProbe(ctx, command); err != nil {
				return err
			}
			continue
		}
		probe := nats.NewMsg(e.names.msgSubject(command))
		probe.Header.Set(hdrProbe, "1")
		// A probe sent twice is acked unseen twice.
		ack, err := retry(ctx, func(ctx context.Context) (*jetstream.PubAck, error) {
			return e.js.PublishMsg(ctx, probe)
		})
		if err != nil {
			return unavailable(err)
		}
		_, err = retry(ctx, func(ctx context.Context) (*jetstream.RawStreamMsg, error) {
			return e.msgs.GetMsg(ctx, ack.Sequence)
		})
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return unavailable(err)
		}
		info, err := retry(ctx, cons.Info)
		if err != nil {
			return unavailable(err)
		}
		if info.Delivered.Consumer > before.Delivered.Consumer {
			return nil // kept, and already taken by a consumer
		}
		if err := e.pauseProbe(ctx, command); err != nil {
			return err
		}
	}
}

// pauseProbe waits probeRetry before awaitInterest looks again, or fails
// when ctx ends first.
func (e *Engine) pauseProbe(ctx context.Context, command string) error {
	select {
	case <-time.After(probeRetry):
		return nil
	case <-ctx.Done():
		return unavailable(fmt.Errorf("the stream's leader does not know the consumer of %q: %w", command, ctx.Err()))
	}
}

// leaderRuns reports whether the server leading the stream runs the
// consumer described by info, as its leader or as a current replica. A
// replica on a server that is down does not matter: it leads nothing.
func (e *Engine) leaderRuns(ctx context.Context, info *jetstream.ConsumerInfo) (bool, error) {
	if e.cfg.Replicas <= 1 {
		return true, nil
	}
	si, err := retry(ctx, func(ctx context.Context) (*jetstream.StreamInfo, error) { return e.msgs.Info(ctx) })
	if err != nil {
		return false, err
	}
	if si.Cluster == nil || si.Cluster.Leader == "" || info.Cluster == nil {
		return false, nil
	}
	leader := si.Cluster.Leader
	if info.Cluster.Leader == leader {
		return true, nil
	}
	for _, p := range info.Cluster.Replicas {
		if p.Name == leader {
			return p.Current && !p.Offline && !p.Pending, nil
		}
	}
	return false, nil
}

// probeRetry is the pause between two probes of awaitInterest.
const probeRetry = 20 * time.Millisecond

// anyGroup returns the name of a durable group's consumer of command in
// the cluster, "" if it has none. An ephemeral group's consumer does not
// count: JetStream removes it a while after its last subscriber left, and
// the messages published after that would have no consumer to wait for.
func (e *Engine) anyGroup(ctx context.Context, command string) (string, error) {
	prefix := "q-" + token(command) + "-"
	list := e.msgs.ListConsumers(ctx)
	found := ""
	for info := range list.Info() {
		if found == "" && strings.HasPrefix(info.Name, prefix) && info.Config.InactiveThreshold == 0 {
			found = info.Name
		}
	}
	if err := list.Err(); err != nil {
		return "", unavailable(err)
	}
	return found, nil
}
