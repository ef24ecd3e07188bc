package router_test

import (
	"encoding/binary"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// t0 is the fake clock's start.
var t0 = time.Unix(1_700_000_000, 0)

// harness drives a Router with a fake clock and checks its invariants
// after every event, or every checkEvery events when that is set: a check
// walks every message, which makes a long run quadratic.
type harness struct {
	t          testing.TB
	r          *router.Router
	now        time.Time
	ids        uint64
	checkEvery int
	events     int
}

func newHarness(t testing.TB, cfg router.Config) *harness {
	return &harness{t: t, r: router.New(cfg), now: t0}
}

// done clones an event's actions (the router reuses the slice) and checks
// the invariants.
func (h *harness) done(acts []router.Action) []router.Action {
	h.t.Helper()
	if h.events++; h.checkEvery <= 1 || h.events%h.checkEvery == 0 {
		h.check()
	}
	return slices.Clone(acts)
}

// check fails the test if the router's invariants do not hold.
func (h *harness) check() {
	h.t.Helper()
	if err := h.r.CheckInvariants(); err != nil {
		h.t.Fatalf("invariant: %v", err)
	}
}

// id returns a fresh message ID.
func (h *harness) id() router.ID {
	h.ids++
	var id router.ID
	binary.BigEndian.PutUint64(id[8:], h.ids)
	return id
}

func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

// msg returns a new message of command from producer address from.
func (h *harness) msg(command, from string, request bool) *router.Message {
	return &router.Message{ID: h.id(), Command: command, From: from, Request: request, Data: []byte("payload")}
}

// publish admits and commits m from conn; it fails the test on error and
// returns the actions of both steps.
func (h *harness) publish(conn router.ConnID, m *router.Message) []router.Action {
	h.t.Helper()
	acts, err := h.r.Admit(h.now, conn, m)
	if err != nil {
		h.t.Fatalf("Admit(%s): %v", m.Command, err)
	}
	out := h.done(acts)
	return append(out, h.done(h.r.Commit(h.now, m))...)
}

// send publishes a new message and returns it with the actions.
func (h *harness) send(conn router.ConnID, command string, request bool) (*router.Message, []router.Action) {
	h.t.Helper()
	m := h.msg(command, "producer", request)
	return m, h.publish(conn, m)
}

func (h *harness) connect(conn router.ConnID, addr string) []router.Action {
	h.t.Helper()
	return h.done(h.r.Connect(h.now, conn, addr))
}

func (h *harness) disconnect(conn router.ConnID) []router.Action {
	h.t.Helper()
	return h.done(h.r.Disconnect(h.now, conn))
}

func (h *harness) subscribe(conn router.ConnID, subID uint32, command, group string, credit int) []router.Action {
	h.t.Helper()
	acts, err := h.r.Subscribe(h.now, conn, subID, command, group, credit, false)
	if err != nil {
		h.t.Fatalf("Subscribe: %v", err)
	}
	return h.done(acts)
}

func (h *harness) subscribeEphemeral(conn router.ConnID, subID uint32, command, group string, credit int) []router.Action {
	h.t.Helper()
	acts, err := h.r.Subscribe(h.now, conn, subID, command, group, credit, true)
	if err != nil {
		h.t.Fatalf("Subscribe: %v", err)
	}
	return h.done(acts)
}

func (h *harness) unsubscribe(conn router.ConnID, subID uint32) []router.Action {
	h.t.Helper()
	acts, err := h.r.Unsubscribe(h.now, conn, subID)
	if err != nil {
		h.t.Fatalf("Unsubscribe: %v", err)
	}
	return h.done(acts)
}

func (h *harness) setCredit(conn router.ConnID, subID uint32, credit int) []router.Action {
	h.t.Helper()
	acts, err := h.r.SetCredit(h.now, conn, subID, credit)
	if err != nil {
		h.t.Fatalf("SetCredit: %v", err)
	}
	return h.done(acts)
}

// answer answers delivery d (an ActDeliver) and fails the test on error.
func (h *harness) answer(d router.Action, kind router.AnswerKind, data string) []router.Action {
	h.t.Helper()
	acts, err := h.r.Answer(h.now, d.Conn, d.Msg.ID, d.Attempt, kind, []byte(data))
	if err != nil {
		h.t.Fatalf("Answer(attempt %d): %v", d.Attempt, err)
	}
	return h.done(acts)
}

func (h *harness) tick() []router.Action {
	h.t.Helper()
	return h.done(h.r.Tick(h.now))
}

// only returns the actions of kind k.
func only(acts []router.Action, k router.ActionKind) []router.Action {
	var out []router.Action
	for _, a := range acts {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// deliveries returns the ActDeliver actions.
func deliveries(acts []router.Action) []router.Action { return only(acts, router.ActDeliver) }

// one returns the single action of kind k, failing the test otherwise.
func one(t testing.TB, acts []router.Action, k router.ActionKind) router.Action {
	t.Helper()
	got := only(acts, k)
	if len(got) != 1 {
		t.Fatalf("want one action of kind %d, got %d in %s", k, len(got), describe(acts))
	}
	return got[0]
}

// none fails the test if acts holds an action of kind k.
func none(t testing.TB, acts []router.Action, k router.ActionKind) {
	t.Helper()
	if got := only(acts, k); len(got) != 0 {
		t.Fatalf("want no action of kind %d, got %s", k, describe(got))
	}
}

// seqs returns the Seq of each action's message.
func seqs(acts []router.Action) []uint64 {
	var out []uint64
	for _, a := range acts {
		out = append(out, a.Msg.Seq)
	}
	return out
}

func describe(acts []router.Action) string {
	names := map[router.ActionKind]string{
		router.ActDeliver: "deliver", router.ActResult: "result", router.ActMailbox: "mailbox",
		router.ActMailboxDelete: "mailbox-delete", router.ActAck: "ack", router.ActAttempt: "attempt",
		router.ActDeadLetter: "dead-letter", router.ActGroup: "group", router.ActDeadLetterDelete: "dead-letter-delete",
		router.ActGroupDelete: "group-delete",
		router.ActCancel:      "cancel",
	}
	s := "["
	for i, a := range acts {
		if i > 0 {
			s += " "
		}
		s += names[a.Kind]
		if a.Msg != nil && a.Msg.Seq != 0 {
			s += "#" + strconv.FormatUint(a.Msg.Seq, 10)
		}
		if a.Group != "" {
			s += "@" + a.Group
		}
	}
	return s + "]"
}
