package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// A message dead-lettered after its only delivery is listed with its
// attempts and last error, shown with its data, replayed to a consumer
// that now answers, and a second one purged.
func TestDeadLettersListShowReplayPurge(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{MaxDeliveries: 1})
	var healthy atomic.Bool
	handled := make(chan string, 4)
	cons := mustConnect(t, b)
	if _, err := cons.Subscribe("flaky", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		if !healthy.Load() {
			return nil, teomq.Retry(errors.New("backend down"))
		}
		handled <- string(m.Data)
		return []byte("done"), nil
	}); err != nil {
		t.Fatal(err)
	}
	prod, ops := mustConnect(t, b), mustConnect(t, b)
	id := mustUUID(t)
	if _, err := prod.Request(testCtx(t), "flaky", []byte("payload"), teomq.WithID(id)); !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("request: %v, want ErrDeadLetter", err)
	}

	list, err := ops.DeadLetters(testCtx(t), "flaky")
	if err != nil {
		t.Fatal(err)
	}
	want := teomq.DeadLetter{ID: id, Attempts: 1, LastError: "retry: backend down", From: prod.Address(), Request: true, Size: len("payload")}
	if list.Total != 1 || len(list.Letters) != 1 || list.Letters[0].ID != want.ID || list.Letters[0].Attempts != 1 ||
		list.Letters[0].LastError != want.LastError || list.Letters[0].From != want.From || list.Letters[0].Size != want.Size || list.Letters[0].Data != nil {
		t.Fatalf("DeadLetters = %+v, want one %+v", list, want)
	}
	d, err := ops.DeadLetter(testCtx(t), "flaky", id)
	if err != nil || d.ID != id || string(d.Data) != "payload" || d.Attempts != 1 {
		t.Fatalf("DeadLetter = %+v, %v", d, err)
	}
	if _, err := ops.DeadLetter(testCtx(t), "flaky", mustUUID(t)); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("DeadLetter(unknown id) = %v, want ErrNotFound", err)
	}
	if st := b.Stats(); st.DeadLetters != 1 {
		t.Fatalf("broker stats %+v, want one dead letter", st)
	}

	healthy.Store(true)
	if n, err := ops.Replay(testCtx(t), "flaky", id); n != 1 || err != nil {
		t.Fatalf("Replay = %d, %v; want 1", n, err)
	}
	if got := recv(t, handled, "replayed message"); got != "payload" {
		t.Fatalf("replayed %q", got)
	}
	waitFor(t, "the replayed message to be answered", func() bool { return b.QueueLen("flaky") == 0 })
	if list, err := ops.DeadLetters(testCtx(t), "flaky"); err != nil || list.Total != 0 {
		t.Fatalf("after replay: %+v, %v", list, err)
	}

	healthy.Store(false)
	if _, err := prod.Request(testCtx(t), "flaky", []byte("again")); !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("second request: %v", err)
	}
	if n, err := ops.PurgeDeadLetters(testCtx(t), "flaky"); n != 1 || err != nil {
		t.Fatalf("PurgeDeadLetters = %d, %v; want 1", n, err)
	}
	if list, err := ops.DeadLetters(testCtx(t), "flaky"); err != nil || list.Total != 0 || len(list.Letters) != 0 {
		t.Fatalf("after purge: %+v, %v", list, err)
	}
	if st := b.Stats(); st.DeadLetters != 0 {
		t.Fatalf("broker stats after purge %+v", st)
	}
	if _, err := ops.DeadLetters(testCtx(t), "nope"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("DeadLetters(unknown command) = %v, want ErrNotFound", err)
	}
}

// A durable group whose consumer is gone holds its command's queue at the
// limit; deleting it unblocks publishes, and a restart agrees that it is
// gone.
func TestDeleteGroupUnblocksAFullQueue(t *testing.T) {
	dir := t.TempDir()
	r := &restartable{t: t, cfg: teomq.BrokerConfig{
		Name: "broker", ConfigDir: dir, DataDir: filepath.Join(dir, "data"), Listen: "127.0.0.1:0",
		Durability: teomq.DurabilitySync, MaxQueueLen: 3, Logger: testLogger(),
	}}
	r.start()
	t.Cleanup(func() { r.b.Close() })

	ctx := testCtx(t)
	auditor := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("auditor"))
	if _, err := auditor.Subscribe("jobs", echo, teomq.Group("audit")); err != nil {
		t.Fatal(err)
	}
	auditor.Close()
	worker := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("worker"))
	if _, err := worker.Subscribe("jobs", echo); err != nil {
		t.Fatal(err)
	}
	prod := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("producer"))
	for i := range 3 {
		if _, err := prod.Request(ctx, "jobs", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := prod.Send(ctx, "jobs", []byte("one too many")); !errors.Is(err, teomq.ErrQueueFull) {
		t.Fatalf("send to a queue the audit group holds full: %v, want ErrQueueFull", err)
	}
	ops := mustConnectTo(t, r.b.Endpoint(), teomq.WithName("ops"))
	audit := findGroup(t, ops, "jobs", "audit")
	if !audit.Durable || audit.Pending != 3 || len(audit.Consumers) != 0 {
		t.Fatalf("audit group %+v, want durable, 3 pending, no consumer", audit)
	}
	if _, err := ops.DeleteGroup(ctx, "jobs", "nope"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("DeleteGroup(unknown group) = %v, want ErrNotFound", err)
	}
	if _, err := ops.DeleteGroup(ctx, "jobs", ""); !errors.Is(err, teomq.ErrGroupInUse) {
		t.Fatalf("DeleteGroup(group with a consumer) = %v, want ErrGroupInUse", err)
	}
	if n, err := ops.DeleteGroup(ctx, "jobs", "audit"); n != 3 || err != nil {
		t.Fatalf("DeleteGroup = %d, %v; want 3", n, err)
	}
	if _, err := prod.Request(ctx, "jobs", []byte("fits again")); err != nil {
		t.Fatalf("request after the delete: %v", err)
	}

	r.restart()
	ops = mustConnectTo(t, r.b.Endpoint(), teomq.WithName("ops2"))
	list, err := ops.Commands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Commands) != 1 || len(list.Commands[0].Groups) != 1 || list.Commands[0].Groups[0].Name != "" || list.Commands[0].Messages != 0 {
		t.Fatalf("after restart: %+v, want jobs with only its default group, empty", list)
	}
}

// findGroup returns group of command as Client.Commands describes it.
func findGroup(t *testing.T, c *teomq.Client, command, group string) teomq.GroupInfo {
	t.Helper()
	list, err := c.Commands(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range list.Commands {
		for _, g := range ci.Groups {
			if ci.Name == command && g.Name == group {
				return g
			}
		}
	}
	t.Fatalf("no group %q of %q in %+v", group, command, list)
	return teomq.GroupInfo{}
}

func TestCommandsAndStatsMatchTheBroker(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	cons := mustConnect(t, b)
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	if _, err := cons.Subscribe("slow", func(context.Context, *teomq.Message) ([]byte, error) {
		<-block
		return nil, nil
	}, teomq.Concurrency(2)); err != nil {
		t.Fatal(err)
	}
	prod, ops := mustConnect(t, b), mustConnect(t, b)
	for range 5 {
		if _, err := prod.Send(testCtx(t), "slow", nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "two deliveries", func() bool { return b.Stats().InFlight == 2 })
	got, err := ops.Stats(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := b.Stats(); got != want {
		t.Fatalf("Client.Stats = %+v, Broker.Stats = %+v", got, want)
	}
	list, err := ops.Commands(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(list.Commands) != 1 {
		t.Fatalf("Commands = %+v", list)
	}
	c := list.Commands[0]
	if c.Name != "slow" || c.Pending != 3 || c.InFlight != 2 || c.Messages != 5 || c.Subscribers != 1 || c.Published != 5 || c.Delivered != 2 {
		t.Fatalf("slow = %+v", c)
	}
	g := c.Groups[0]
	if len(c.Groups) != 1 || !g.Durable || len(g.Consumers) != 1 {
		t.Fatalf("groups %+v", c.Groups)
	}
	if cs := g.Consumers[0]; cs.Address != cons.Address() || cs.Credit != 2 || cs.Outstanding != 2 {
		t.Fatalf("consumer %+v, want %s with credit 2 holding 2", cs, cons.Address())
	}
}

// A request whose message is purged before a consumer took it fails at
// once with ErrPurged; the purge leaves nothing behind.
func TestPurgeQueueFailsWaitingRequests(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	prod, ops := mustConnect(t, b), mustConnect(t, b)
	errs := make(chan error, 1)
	go func() {
		_, err := prod.Request(testCtx(t), "nobody", []byte("hello?"))
		errs <- err
	}()
	waitFor(t, "the request to be queued", func() bool { return b.QueueLen("nobody") == 1 })
	if n, err := ops.PurgeQueue(testCtx(t), "nobody"); n != 1 || err != nil {
		t.Fatalf("PurgeQueue = %d, %v; want 1", n, err)
	}
	if err := recv(t, errs, "the request's outcome"); !errors.Is(err, teomq.ErrPurged) {
		t.Fatalf("request: %v, want ErrPurged", err)
	}
	if st := b.Stats(); st.Pending != 0 || b.QueueLen("nobody") != 0 {
		t.Fatalf("after purge: %+v", st)
	}
	if _, err := ops.PurgeQueue(testCtx(t), "never-used"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("PurgeQueue(unknown) = %v, want ErrNotFound", err)
	}
}

// Operator requests need the admin right: on the command, and on "" (the
// pattern "*") for the broker-wide ones. A refusal leaves the connection
// serving.
func TestOperatorRequestsNeedTheAdminRight(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	ops, other := mustConnect(t, b), mustConnect(t, b)
	b.SetPolicy(mustParsePolicy(t, fmt.Sprintf(`
[roles.ops]
addresses = [%q]

[[rule]]
roles = ["ops"]
admin = ["jobs"]

[[rule]]
roles = ["anyone"]
publish = ["jobs"]
`, ops.Address())))
	ctx := testCtx(t)
	if _, err := other.Send(ctx, "jobs", []byte("x")); err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name string
		do   func() error
	}{
		{"stats without admin", func() error { _, err := other.Stats(ctx); return err }},
		{"purge without admin", func() error { _, err := other.PurgeQueue(ctx, "jobs"); return err }},
		{"dead letters without admin", func() error { _, err := other.DeadLetters(ctx, "jobs"); return err }},
		{"stats with admin on a command only", func() error { _, err := ops.Stats(ctx); return err }},
		{"commands with admin on a command only", func() error { _, err := ops.Commands(ctx); return err }},
		{"another command", func() error { _, err := ops.PurgeQueue(ctx, "other"); return err }},
	}
	for _, tc := range refused {
		if err := tc.do(); !errors.Is(err, teomq.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", tc.name, err)
		}
	}
	if b.QueueLen("jobs") != 1 {
		t.Fatal("a refused purge removed the message")
	}
	if n, err := ops.PurgeQueue(ctx, "jobs"); n != 1 || err != nil {
		t.Fatalf("allowed purge = %d, %v", n, err)
	}
	if _, err := other.Send(ctx, "jobs", []byte("still served")); err != nil {
		t.Fatalf("refused peer's connection: %v", err)
	}
}

// An operator request is answered on a raw connection too; an op the
// broker does not know, or arguments that do not parse, get an error
// reply and the connection keeps serving.
func TestAdminFramesOnTheWire(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	ch := rawPeer(t, b)
	requests := []struct {
		req  wire.AdminRequest
		want wire.Code
	}{
		{wire.AdminRequest{ReqID: 1, Op: 200}, wire.CodeUnknownOp},
		{wire.AdminRequest{ReqID: 2, Op: wire.AdminReplay, Command: "x", Args: []byte("{not json")}, wire.CodeMalformed},
		{wire.AdminRequest{ReqID: 3, Op: wire.AdminDeadLetter, Command: "x", Args: []byte(`{}`)}, wire.CodeMalformed},
		{wire.AdminRequest{ReqID: 4, Op: wire.AdminStats}, wire.CodeOK},
	}
	for _, tc := range requests {
		if err := ch.Send(tc.req.AppendTo(nil)); err != nil {
			t.Fatal(err)
		}
		r := nextFrame(t, ch, wire.TypeAdminReply).(*wire.AdminReply)
		if r.ReqID != tc.req.ReqID || r.Code != tc.want {
			t.Fatalf("request %d (%v): reply %d code %v (%s), want %v", tc.req.ReqID, tc.req.Op, r.ReqID, r.Code, r.Message, tc.want)
		}
	}
}

// A request whose connection ends before the reply fails with
// ErrConnectionLost instead of waiting for its context.
func TestOperatorRequestFailsWhenTheConnectionDrops(t *testing.T) {
	fb := startFakeBroker(t)
	c := mustConnectTo(t, fb.endpoint())
	ch := fb.accept(t)
	errs := make(chan error, 1)
	go func() {
		_, err := c.Stats(testCtx(t))
		errs <- err
	}()
	frame, err := ch.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := wire.PeekType(frame); typ != wire.TypeAdmin {
		t.Fatalf("client sent %v, want an admin request", typ)
	}
	ch.Close()
	if err := recv(t, errs, "the request's failure"); !errors.Is(err, teomq.ErrConnectionLost) {
		t.Fatalf("Stats after the connection dropped: %v, want ErrConnectionLost", err)
	}
}

// The broker-wide requests are checked against the admin right on "",
// whatever command the frame names: a right on one command does not open
// them.
func TestBrokerWideRequestsIgnoreTheFramesCommand(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	ch := rawPeer(t, b)
	b.SetPolicy(mustParsePolicy(t, fmt.Sprintf(`
[roles.ops]
addresses = [%q]
[[rule]]
roles = ["ops"]
admin = ["x"]
`, ch.LocalAddress())))
	for i, tc := range []struct {
		op   wire.AdminOp
		want wire.Code
	}{
		{wire.AdminStats, wire.CodeForbidden},
		{wire.AdminCommands, wire.CodeForbidden},
		{wire.AdminPurgeQueue, wire.CodeNotFound}, // allowed on x, which has no queue
	} {
		req := wire.AdminRequest{ReqID: uint64(i + 1), Op: tc.op, Command: "x"}
		if err := ch.Send(req.AppendTo(nil)); err != nil {
			t.Fatal(err)
		}
		if r := nextFrame(t, ch, wire.TypeAdminReply).(*wire.AdminReply); r.ReqID != req.ReqID || r.Code != tc.want {
			t.Fatalf("%v on x: reply %d code %v (%s), want %v", tc.op, r.ReqID, r.Code, r.Message, tc.want)
		}
	}
}
