package router_test

import (
	"errors"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

func TestAnswerRoutesResultToProducer(t *testing.T) {
	tests := []struct {
		name     string
		request  bool
		kind     router.AnswerKind
		wantCode router.ResultCode
	}{
		{"reply", true, router.Reply, router.ResultOK},
		{"fail", true, router.Fail, router.ResultRemoteError},
		{"reply to a send", false, router.Reply, 0},
		{"fail of a send", false, router.Fail, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, router.Config{})
			h.connect(1, "producer")
			h.connect(10, "consumer")
			h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
			m, acts := h.send(1, "cmd", tc.request)
			acts = h.answer(one(t, acts, router.ActDeliver), tc.kind, "text")
			ack := one(t, acts, router.ActAck)
			if !ack.Last || ack.Msg != m {
				t.Fatalf("ack %+v", ack)
			}
			if !tc.request {
				none(t, acts, router.ActResult)
				if ack.Answered {
					t.Fatal("ack of a send carries a result")
				}
				return
			}
			res := one(t, acts, router.ActResult)
			if res.Conn != 1 || res.Msg.ID != m.ID || res.Code != tc.wantCode || string(res.Data) != "text" || res.From != "consumer" {
				t.Fatalf("result %+v", res)
			}
			if !ack.Answered || ack.Code != tc.wantCode || string(ack.Data) != "text" {
				t.Fatalf("ack does not carry the result for dedup: %+v", ack)
			}
			if want := h.now.Add(router.DefaultDedupWindow); !ack.Expires.Equal(want) {
				t.Fatalf("ack expires %v, want %v", ack.Expires, want)
			}
		})
	}
}

func TestAnswerErrors(t *testing.T) {
	h := newHarness(t, router.Config{})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	h.subscribe(20, 1, "other", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	tests := []struct {
		name    string
		conn    router.ConnID
		id      router.ID
		attempt int
		kind    router.AnswerKind
		want    error
	}{
		{"unknown id", 10, h.id(), 1, router.Reply, router.ErrUnknownID},
		{"unknown conn", 77, d.Msg.ID, 1, router.Reply, router.ErrUnknownID},
		{"conn of another command", 20, d.Msg.ID, 1, router.Reply, router.ErrUnknownID},
		{"attempt 0 of the holder", 10, d.Msg.ID, 0, router.Reply, router.ErrStaleAttempt},
		{"future attempt of the holder", 10, d.Msg.ID, 2, router.Reply, router.ErrStaleAttempt},
		{"bad kind", 10, d.Msg.ID, 1, router.AnswerKind(9), router.ErrBadKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.r.Answer(h.now, tc.conn, tc.id, tc.attempt, tc.kind, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Answer: %v, want %v", err, tc.want)
			}
			if err := h.r.Touch(h.now, tc.conn, tc.id, tc.attempt, 0); tc.want != router.ErrBadKind && !errors.Is(err, tc.want) {
				t.Fatalf("Touch: %v, want %v", err, tc.want)
			}
		})
	}
	h.answer(d, router.Reply, "") // still in flight after the refusals
	if _, err := h.r.Answer(h.now, 10, d.Msg.ID, 1, router.Reply, nil); !errors.Is(err, router.ErrUnknownID) {
		t.Fatalf("second answer: %v, want ErrUnknownID", err)
	}
}

func TestStaleAnswerIsFenced(t *testing.T) {
	h := newHarness(t, router.Config{Lease: time.Second})
	h.connect(1, "producer")
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", true)
	first := one(t, acts, router.ActDeliver)
	h.subscribe(11, 1, "cmd", router.DefaultGroup, 1)
	h.advance(time.Second)
	second := one(t, h.tick(), router.ActDeliver) // lease over: to the idle consumer
	if second.Conn != 11 || second.Attempt != 2 {
		t.Fatalf("redelivery %+v", second)
	}
	if _, err := h.r.Answer(h.now, first.Conn, first.Msg.ID, first.Attempt, router.Reply, []byte("late")); !errors.Is(err, router.ErrStaleAttempt) {
		t.Fatalf("late answer of attempt 1: %v, want ErrStaleAttempt", err)
	}
	if err := h.r.Touch(h.now, first.Conn, first.Msg.ID, first.Attempt, 0); !errors.Is(err, router.ErrStaleAttempt) {
		t.Fatalf("late touch: %v, want ErrStaleAttempt", err)
	}
	if res := one(t, h.answer(second, router.Reply, "current"), router.ActResult); string(res.Data) != "current" {
		t.Fatalf("result %q", res.Data)
	}
}

func TestRetryBacksOff(t *testing.T) {
	cfg := router.Config{RetryDelay: 100 * time.Millisecond, MaxRetryDelay: 300 * time.Millisecond, Lease: time.Hour}
	h := newHarness(t, cfg)
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	d := one(t, acts, router.ActDeliver)
	for _, delay := range []time.Duration{100, 200, 300, 300} { // doubled, then capped
		delay *= time.Millisecond
		acts = h.answer(d, router.Retry, "busy")
		none(t, acts, router.ActDeliver)
		none(t, acts, router.ActAck)
		if next := h.r.NextDeadline(); !next.Equal(h.now.Add(delay)) {
			t.Fatalf("after attempt %d: NextDeadline %v, want now+%v", d.Attempt, next.Sub(h.now), delay)
		}
		h.advance(delay - time.Millisecond)
		none(t, h.tick(), router.ActDeliver)
		h.advance(time.Millisecond)
		next := one(t, h.tick(), router.ActDeliver)
		if next.Attempt != d.Attempt+1 {
			t.Fatalf("attempt %d after %d", next.Attempt, d.Attempt)
		}
		d = next
	}
}

func TestRetriedMessageWaitsWhileFreshOnesFlow(t *testing.T) {
	h := newHarness(t, router.Config{RetryDelay: time.Second})
	h.subscribe(10, 1, "cmd", router.DefaultGroup, 1)
	_, acts := h.send(1, "cmd", false)
	retried := one(t, acts, router.ActDeliver)
	fresh, _ := h.send(1, "cmd", false)
	if d := one(t, h.answer(retried, router.Retry, ""), router.ActDeliver); d.Msg != fresh {
		t.Fatal("a fresh message did not go out while the retried one waits")
	}
}
