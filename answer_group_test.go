package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq"
)

// TestForgedAnswersNeverReachTheProducer is the regression test of a
// forged answer: a second group subscribed to a command gets its copy of
// every request and answers it first, yet the producer always gets the
// default group's answer.
func TestForgedAnswersNeverReachTheProducer(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	forged := make(chan struct{}, 1)
	forger := mustConnect(t, b)
	if _, err := forger.Subscribe("num_servers", func(context.Context, *teomq.Message) ([]byte, error) {
		forged <- struct{}{}
		return []byte("FORGED-by-C2"), nil
	}, teomq.Group("C2")); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	worker := mustConnect(t, b)
	if _, err := worker.Subscribe("num_servers", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		select {
		case <-release:
			return []byte("real: " + string(m.Data)), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	type outcome struct {
		ans *teomq.Answer
		err error
	}
	for i := range 10 {
		data := fmt.Sprint(i)
		done := make(chan outcome, 1)
		go func() {
			ans, err := p.Request(ctx, "num_servers", []byte(data))
			done <- outcome{ans, err}
		}()
		// The worker answers only once the forger's answer reached the
		// broker: the forger's copy is no longer in flight.
		recv(t, forged, "the forger's copy")
		waitFor(t, "the forged answer to reach the broker", func() bool { return b.Stats().InFlight == 1 })
		release <- struct{}{}
		o := recv(t, done, "the answer")
		if o.err != nil {
			t.Fatalf("request %d: %v", i, o.err)
		}
		if string(o.ans.Data) != "real: "+data || o.ans.From != worker.Address() {
			t.Fatalf("request %d answered %q by %s, want the default group's worker %s", i, o.ans.Data, o.ans.From, worker.Address())
		}
	}
}

// TestAnswerGroupChoosesTheAnsweringGroup checks that a producer naming
// a group gets that group's answer, not the default group's, and that
// naming a group the command lacks is refused.
func TestAnswerGroupChoosesTheAnsweringGroup(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	subscribeDefaultAndAudit(t, mustConnect(t, b), mustConnect(t, b))
	p := mustConnect(t, b)
	ctx := testCtx(t)
	ans, err := p.Request(ctx, "version", nil, teomq.AnswerGroup("audit"))
	if err != nil {
		t.Fatal(err)
	}
	if string(ans.Data) != "from audit" {
		t.Fatalf("answer %q, want the audit group's", ans.Data)
	}
	_, err = p.Request(ctx, "version", nil, teomq.AnswerGroup("adit"))
	if !errors.Is(err, teomq.ErrNoAnswerGroup) {
		t.Fatalf("request naming a missing group: %v, want ErrNoAnswerGroup", err)
	}
	_, err = p.Request(ctx, "version", nil, teomq.AnswerGroup("bad name"))
	if !errors.Is(err, teomq.ErrBadName) {
		t.Fatalf("request naming a bad group: %v, want ErrBadName", err)
	}
}

// TestAnswerGroupGoneFailsTheRequest checks that a request whose
// ephemeral answer group loses its last member before answering fails
// with ErrNoAnswerGroup instead of waiting for its deadline.
func TestAnswerGroupGoneFailsTheRequest(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	started := make(chan struct{}, 1)
	live := mustConnect(t, b)
	if _, err := live.Subscribe("version", func(ctx context.Context, _ *teomq.Message) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done() // never answers: its client closes first
		return nil, ctx.Err()
	}, teomq.Group("live"), teomq.Ephemeral()); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	errs := make(chan error, 1)
	go func() {
		_, err := p.Request(ctx, "version", nil, teomq.AnswerGroup("live"))
		errs <- err
	}()
	recv(t, started, "the delivery to the answer group")
	live.Close()
	if err := recv(t, errs, "the request's outcome"); !errors.Is(err, teomq.ErrNoAnswerGroup) {
		t.Fatalf("request whose answer group went away: %v, want ErrNoAnswerGroup", err)
	}
}

// subscribeDefaultAndAudit subscribes def in the default group and audit
// in the group "audit" to "version": each answers "from <its group>", the
// audit member only after the default member has answered, so that an
// answer from audit that reaches a producer cannot be the first by luck.
func subscribeDefaultAndAudit(t testing.TB, def, audit *teomq.Client) {
	t.Helper()
	defaultDone := make(chan struct{}, 1)
	if _, err := def.Subscribe("version", func(context.Context, *teomq.Message) ([]byte, error) {
		defer func() { defaultDone <- struct{}{} }()
		return []byte("from default"), nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Subscribe("version", func(ctx context.Context, _ *teomq.Message) ([]byte, error) {
		select {
		case <-defaultDone:
			return []byte("from audit"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}, teomq.Group("audit")); err != nil {
		t.Fatal(err)
	}
}
