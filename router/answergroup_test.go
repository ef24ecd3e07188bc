package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// TestOneGroupAnswersARequest checks that of the groups that get a
// request, only its answer group's answer reaches the producer, whichever
// answers first; the others only acknowledge their copy.
func TestOneGroupAnswersARequest(t *testing.T) {
	tests := []struct {
		name        string
		answerGroup string // the request's AnswerGroup
		first       string // the group whose member answers first
		connected   bool   // the producer is connected
	}{
		{"default answers, other group first", router.DefaultGroup, "audit", true},
		{"default answers, default first", router.DefaultGroup, router.DefaultGroup, true},
		{"default answers, producer away", router.DefaultGroup, "audit", false},
		{"named group answers, default first", "audit", router.DefaultGroup, true},
		{"named group answers, named first", "audit", "audit", true},
		{"named group answers, producer away", "audit", router.DefaultGroup, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			if tc.connected {
				h.connect(1, "producer")
			}
			consumer := map[string]router.ConnID{router.DefaultGroup: 10, "audit": 11}
			h.connect(10, "worker")
			h.connect(11, "forger")
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			h.subscribe(11, 1, "cmd", "audit", 1)
			m := h.msg("cmd", "producer", true)
			m.AnswerGroup = tc.answerGroup
			byGroup := make(map[string]router.Action)
			for _, d := range deliveries(h.publish(1, m)) {
				byGroup[d.Group] = d
			}
			if len(byGroup) != 2 || byGroup[tc.first].Conn != consumer[tc.first] {
				t.Fatalf("deliveries %v", byGroup)
			}
			second := "audit"
			if tc.first == "audit" {
				second = router.DefaultGroup
			}

			acts := h.answer(byGroup[tc.first], router.Reply, "by "+byGroup[tc.first].Group)
			firstAnswers := tc.first == tc.answerGroup
			if got := len(only(acts, router.ActResult)) + len(only(acts, router.ActMailbox)); got != b2i(firstAnswers) {
				t.Fatalf("first answer (group %q): %d results/mailbox posts in %s", tc.first, got, describe(acts))
			}
			if ack := one(t, acts, router.ActAck); ack.Last || ack.Group != tc.first || ack.Answered != firstAnswers {
				t.Fatalf("first ack %+v", ack)
			}

			acts = h.answer(byGroup[second], router.Reply, "by "+byGroup[second].Group)
			ack := one(t, acts, router.ActAck)
			if !ack.Last || !ack.Answered || string(ack.Data) != "by "+tc.answerGroup {
				t.Fatalf("last ack %+v: want the answer group's result kept for dedup", ack)
			}
			if !firstAnswers {
				var got router.Action
				if tc.connected {
					got = one(t, acts, router.ActResult)
					if got.Conn != 1 {
						t.Fatalf("result to conn %d", got.Conn)
					}
				} else {
					got = one(t, acts, router.ActMailbox)
				}
				if string(got.Data) != "by "+tc.answerGroup || got.From != ack.From {
					t.Fatalf("result %+v, want the answer group's", got)
				}
			} else {
				none(t, acts, router.ActResult)
				none(t, acts, router.ActMailbox)
			}
			if want := map[string]string{router.DefaultGroup: "worker", "audit": "forger"}[tc.answerGroup]; ack.From != want {
				t.Fatalf("result from %q, want %q", ack.From, want)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestOtherGroupsFailuresDoNotReachProducer checks that a handler error
// or a dead letter in a group other than the answer group tells the
// producer nothing; the answer group's still does.
func TestOtherGroupsFailuresDoNotReachProducer(t *testing.T) {
	h := newHarness(t, router.Config{MaxDeliveries: 1})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(11, 1, "cmd", "audit", 1)
	h.subscribe(12, 1, "other", router.DefaultGroup, 1)
	h.subscribe(13, 1, "other", "audit", 1)

	_, acts := h.send(1, "cmd", true)
	ds := deliveries(acts)
	acts = h.answer(ds[1], router.Fail, "audit failed")
	none(t, acts, router.ActResult)
	acts = h.answer(ds[0], router.Retry, "busy") // MaxDeliveries 1: dead letter
	one(t, acts, router.ActDeadLetter)
	if res := one(t, acts, router.ActResult); res.Code != router.ResultDeadLetter {
		t.Fatalf("answer group's dead letter: result %+v", res)
	}

	_, acts = h.send(1, "other", true)
	ds = deliveries(acts)
	acts = h.answer(ds[1], router.Retry, "audit busy")
	one(t, acts, router.ActDeadLetter)
	none(t, acts, router.ActResult)
	if res := one(t, h.answer(ds[0], router.Reply, "ok"), router.ActResult); res.Code != router.ResultOK || string(res.Data) != "ok" {
		t.Fatalf("result %+v", res)
	}
}

// TestRequestWaitsForDefaultGroup checks that a request to a command that
// only has named groups creates the default group and waits there for a
// subscriber, while the named group's answer does not answer it.
func TestRequestWaitsForDefaultGroup(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribe(11, 1, "cmd", "audit", 1)
	_, acts := h.send(1, "cmd", true)
	if g := one(t, acts, router.ActGroup); g.Group != router.DefaultGroup {
		t.Fatalf("group %+v", g)
	}
	none(t, h.answer(one(t, acts, router.ActDeliver), router.Reply, "audit"), router.ActResult)
	d := one(t, h.subscribe(10, 1, "cmd", router.DefaultGroup, 1), router.ActDeliver)
	if res := one(t, h.answer(d, router.Reply, "default"), router.ActResult); string(res.Data) != "default" {
		t.Fatalf("result %+v", res)
	}

	_, acts = h.send(1, "plain", false) // a send creates the default group only for a new command
	one(t, acts, router.ActGroup)
	h.subscribe(12, 1, "sends", "audit", 1)
	_, acts = h.send(1, "sends", false)
	none(t, acts, router.ActGroup)
}

func TestAnswerGroupRefused(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", "audit", 1)
	tests := []struct {
		name    string
		command string
		group   string
		request bool
		want    error
	}{
		{"group the command lacks", "cmd", "audti", true, router.ErrNoAnswerGroup},
		{"command not known", "new", "audit", true, router.ErrNoAnswerGroup},
		{"bad name", "cmd", "a b", true, router.ErrBadName},
		{"send ignores it", "cmd", "audti", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := h.msg(tc.command, "producer", tc.request)
			m.AnswerGroup = tc.group
			acts, err := h.r.Admit(h.now, 1, m)
			h.done(acts)
			if !errors.Is(err, tc.want) || (err != nil && len(acts) != 0) {
				t.Fatalf("Admit: %v %s, want %v", err, describe(acts), tc.want)
			}
			if err == nil {
				h.done(h.r.Commit(h.now, m))
			}
		})
	}
	if st := h.r.Stats(); st.Messages != 1 {
		t.Fatalf("stats %+v: a refused request was queued", st)
	}
}

// TestAnswerGroupRemoved checks that a request whose ephemeral answer
// group goes away gets ResultNoAnswerGroup, whether it goes before the
// request is committed or while the request waits in it.
func TestAnswerGroupRemoved(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.connect(1, "producer")
	h.subscribeEphemeral(11, 1, "cmd", "live", 1)
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)

	m := h.msg("cmd", "producer", true)
	m.AnswerGroup = "live"
	if _, err := h.r.Admit(h.now, 1, m); err != nil {
		t.Fatal(err)
	}
	h.unsubscribe(11, 1)
	acts := h.done(h.r.Commit(h.now, m))
	if res := one(t, acts, router.ActResult); res.Code != router.ResultNoAnswerGroup || res.Msg.ID != m.ID {
		t.Fatalf("result %+v", res)
	}
	none(t, h.answer(one(t, acts, router.ActDeliver), router.Reply, "late"), router.ActResult)
	retry, err := h.r.Admit(h.now, 1, again(m)) // its group is gone: the retry still gets its result
	if res := one(t, h.done(retry), router.ActResult); !errors.Is(err, router.ErrDuplicate) || res.Code != router.ResultNoAnswerGroup {
		t.Fatalf("retry: %v, result %+v", err, res)
	}

	h.subscribeEphemeral(11, 2, "cmd", "live", 1)
	h.setCredit(11, 2, 0) // the copy waits in the group
	m = h.msg("cmd", "producer", true)
	m.AnswerGroup = "live"
	h.publish(1, m)
	acts = h.unsubscribe(11, 2)
	if res := one(t, acts, router.ActResult); res.Code != router.ResultNoAnswerGroup || res.Msg.ID != m.ID {
		t.Fatalf("result %+v", res)
	}
	h.advance(time.Second)
	none(t, h.tick(), router.ActResult)
}
