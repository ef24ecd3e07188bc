package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/wire"
)

// Without a config file a peer from another host is refused at once, with
// a message that says how to allow it.
func TestRemotePeerRefusedWithoutConfigFile(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	b.SetIsLocal(func(net.Addr) bool { return false })
	ch := rawPeer(t, b)
	e := nextFrame(t, ch, wire.TypeError).(*wire.Error)
	if e.Code != wire.CodeForbidden || !e.Fatal || !strings.Contains(e.Message, "-conf") || !strings.Contains(e.Message, ch.LocalAddress()) {
		t.Fatalf("refusal: code %v fatal %v message %q; want a fatal CodeForbidden naming the peer and -conf", e.Code, e.Fatal, e.Message)
	}
	if f, err := ch.Recv(); err == nil {
		t.Fatalf("refused connection still open: got frame %x", f)
	}
	if n := b.Stats().Refused; n != 1 {
		t.Fatalf("Stats.Refused = %d, want 1", n)
	}
}

// The attacks of the authorization issue, under a config file that names
// the producer and the consumer of "secret": a third peer can neither read
// (in its own group or the default one) nor send; allowed peers are served,
// and a refusal leaves the refused peer's connection open.
func TestPolicyStopsReadingStealingAndForging(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	prod, cons, spy := mustConnect(t, b), mustConnect(t, b), mustConnect(t, b)
	b.SetPolicy(mustParsePolicy(t, fmt.Sprintf(`
[roles.producers]
addresses = [%q]
[roles.consumers]
addresses = [%q]

[[rule]]
roles = ["producers"]
publish = ["secret"]

[[rule]]
roles = ["consumers"]
consume = ["secret"]
groups = ["default"]

[[rule]]
roles = ["anyone"]
publish = ["public"]
consume = ["public"]
`, prod.Address(), cons.Address())))

	if _, err := cons.Subscribe("secret", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		return []byte("answer to " + string(m.Data)), nil
	}); err != nil {
		t.Fatalf("allowed consumer: %v", err)
	}
	// Read via its own group, steal via the default group: both refused.
	for _, opts := range [][]teomq.SubscribeOption{{teomq.Group("spy")}, nil} {
		_, err := spy.Subscribe("secret", func(context.Context, *teomq.Message) ([]byte, error) {
			t.Error("spy got a message")
			return []byte("STOLEN"), nil
		}, opts...)
		if !errors.Is(err, teomq.ErrForbidden) {
			t.Fatalf("spy's subscribe: %v, want ErrForbidden", err)
		}
	}
	// The allowed consumer may not widen its rights to another group.
	if _, err := cons.Subscribe("secret", echo, teomq.Group("other")); !errors.Is(err, teomq.ErrForbidden) {
		t.Fatalf("consumer in a group its rule does not list: %v, want ErrForbidden", err)
	}
	for i := range 10 {
		a, err := prod.Request(testCtx(t), "secret", []byte(fmt.Sprint("password=hunter", i)))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("answer to password=hunter", i); string(a.Data) != want {
			t.Fatalf("answer %q, want %q", a.Data, want)
		}
	}
	// Forging: the spy may not send to the command either.
	if _, err := spy.Send(testCtx(t), "secret", []byte("forged")); !errors.Is(err, teomq.ErrForbidden) {
		t.Fatalf("spy's send: %v, want ErrForbidden", err)
	}
	// Refused, yet still connected and served where the policy allows.
	if _, err := spy.Subscribe("public", echo); err != nil {
		t.Fatal(err)
	}
	if a, err := prod.Request(testCtx(t), "public", []byte("hi")); err != nil || string(a.Data) != "hi" {
		t.Fatalf("public request: %v %q", err, a.Data)
	}
	if n := b.Stats().Refused; n != 4 {
		t.Fatalf("Stats.Refused = %d, want 4", n)
	}
}

// A peer in no role of a config file is refused at the handshake.
func TestPolicyFileRefusesPeersInNoRole(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	b.SetPolicy(mustParsePolicy(t, `
[roles.nobody]
addresses = ["0000000000000000000000000000000000A"]
[[rule]]
roles = ["nobody"]
publish = ["*"]
`))
	ch := rawPeer(t, b)
	if e := nextFrame(t, ch, wire.TypeError).(*wire.Error); e.Code != wire.CodeForbidden || !e.Fatal {
		t.Fatalf("refusal: code %v fatal %v (%s)", e.Code, e.Fatal, e.Message)
	}
}

func mustParsePolicy(t testing.TB, text string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(text), "teomq.toml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A refused action keeps the connection; a peer that keeps trying is not
// mistaken but insisting, and loses it.
func TestPeerThatKeepsTryingWhatIsRefusedIsDropped(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	b.SetPolicy(mustParsePolicy(t, `
[[rule]]
roles = ["local"]
publish = ["allowed"]
`))
	ch := rawPeer(t, b)
	var id wire.ID
	for i := range 1001 {
		id[0], id[1] = byte(i), byte(i>>8)
		if err := ch.Send((&wire.Publish{ID: id, Command: "secret"}).AppendTo(nil)); err != nil {
			t.Fatal(err)
		}
		if c := nextFrame(t, ch, wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeForbidden {
			t.Fatalf("publish %d: code %v, want CodeForbidden", i, c.Code)
		}
	}
	if err := ch.Send((&wire.Publish{ID: id, Command: "secret"}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	e := nextFrame(t, ch, wire.TypeError).(*wire.Error)
	if e.Code != wire.CodeForbidden || !e.Fatal {
		t.Fatalf("after 1,002 refusals: code %v fatal %v (%s), want a fatal CodeForbidden", e.Code, e.Fatal, e.Message)
	}
}
