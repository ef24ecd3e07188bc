package teomq_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
)

// TestRestartKeepsDedupPerProducer checks that the dedup window restored
// after a restart still holds each producer's IDs apart.
func TestRestartKeepsDedupPerProducer(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	var calls atomic.Int64
	if _, err := mustConnectTo(t, r.b.Endpoint()).Subscribe("secret", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return fmt.Appendf(nil, "for %s: %s (call %d)", m.From, m.Data, calls.Add(1)), nil
	}); err != nil {
		t.Fatal(err)
	}
	alice, mallory := mustConnectTo(t, r.b.Endpoint()), mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	id := teomq.MessageID(mustUUID(t))
	first, err := alice.Request(ctx, "secret", []byte("alice's"), teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	r.restart() // the clients reconnect by themselves

	ans, err := mallory.Request(ctx, "secret", []byte("mine"), teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("for %s: mine (call 2)", mallory.Address()); string(ans.Data) != want {
		t.Fatalf("reused ID after a restart answered %q, want %q", ans.Data, want)
	}
	again, err := alice.Request(ctx, "secret", []byte("alice's"), teomq.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Data) != string(first.Data) {
		t.Fatalf("alice's retry after a restart answered %q, want %q", again.Data, first.Data)
	}
}

// TestRestartKeepsAnswerGroup checks that a request waiting across a
// restart is still answered by the group its producer named.
func TestRestartKeepsAnswerGroup(t *testing.T) {
	r := startRestartable(t, teomq.DurabilitySync)
	for _, g := range []string{"", "audit"} {
		c := mustConnectTo(t, r.b.Endpoint())
		if _, err := c.Subscribe("version", echo, teomq.Group(g)); err != nil {
			t.Fatal(err)
		}
		c.Close() // the durable group stays, without members
	}
	p := mustConnectTo(t, r.b.Endpoint())
	ctx := testCtx(t)
	type outcome struct {
		ans *teomq.Answer
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		ans, err := p.Request(ctx, "version", nil, teomq.AnswerGroup("audit"))
		done <- outcome{ans, err}
	}()
	waitFor(t, "the request to be queued", func() bool { return r.b.QueueLen("version") == 1 })
	r.restart()

	subscribeDefaultAndAudit(t, mustConnectTo(t, r.b.Endpoint()), mustConnectTo(t, r.b.Endpoint()))
	o := recv(t, done, "the answer")
	if o.err != nil {
		t.Fatal(o.err)
	}
	if string(o.ans.Data) != "from audit" {
		t.Fatalf("answer %q after a restart, want the audit group's", o.ans.Data)
	}
}
