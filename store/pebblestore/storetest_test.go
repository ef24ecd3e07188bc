package pebblestore_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq/store"
)

// The conformance suite: every case runs against every Store
// implementation. Cases that reopen see a fresh process's view for the
// pebble store, and the same store for the memory store.

type conformanceCase struct {
	name string
	run  func(t *testing.T, f *fixture)
}

func TestConformance(t *testing.T) {
	cases := []conformanceCase{
		{"round trip of every kind, one write", func(t *testing.T, f *fixture) { testRoundTrip(t, f, true) }},
		{"round trip of every kind, op by op", func(t *testing.T, f *fixture) { testRoundTrip(t, f, false) }},
		{"last ack deletes", testLastAckDeletes},
		{"non-last acks are reported in AckedBy", testAckedBy},
		{"messages in seq order per command", testOrderPerCommand},
		{"reopen keeps synced data", testReopenKeepsSyncedData},
		{"expired mailbox and dedup records are dropped", testExpiry},
		{"mailbox delete", testMailboxDelete},
		{"answers and dedup records are per producer", testPerProducer},
		{"dead letters", testDeadLetters},
		{"group delete", testGroupDelete},
		{"group start", testGroupStart},
		{"pages", testPages},
		{"pages with a replay below the watermark", testPagesReplayBelowWatermark},
		{"pages while draining", testPagesWhileDraining},
		{"pages during concurrent writes", testPagesConcurrentWrites},
		{"replayed message below the watermark", testReplayBelowWatermark},
		{"rewriting a message resets its state", testRewriteResets},
		{"purge deletes a range but the kept seqs", testPurge},
		{"a result is kept with its message", testResult},
		{"a drained command's Seqs continue", testSeqContinues},
		{"acks and attempts of done messages are ignored", testDoneMessageIgnoresSubOps},
		{"invalid ops apply nothing", testInvalidOps},
		{"error from fn stops Load", testLoadStops},
		{"closed store refuses", testClosed},
		{"concurrent writers", testConcurrentWriters},
	}
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, newFixture(t, im)) })
			}
		})
	}
}

func testRoundTrip(t *testing.T, f *fixture, oneWrite bool) {
	exp1, exp2, expMail := future(time.Minute), future(2*time.Minute), future(time.Hour)
	m1 := &store.Message{Command: "a", Seq: 1, ID: msgID("a", 1), From: "p1", Deadline: 1234, Flags: 3, AnswerGroup: "audit", Data: []byte("one")}
	m2 := &store.Message{Command: "a", Seq: 2, ID: msgID("a", 2), From: "p2"}
	dead := *m2
	dead.Attempt = 20
	answer := &store.Answer{ID: msgID("b", 8), Producer: "p1", Code: 5, From: "c1", Data: []byte("failed")}
	mail := &store.Answer{ID: msgID("m", 1), Producer: "p9", From: "c2", Data: []byte("reply")}
	ops := []store.Op{
		{Kind: store.KindGroup, Command: "a", Group: "g2"},
		{Kind: store.KindGroup, Command: "a", Group: "g1"},
		{Kind: store.KindMessage, Msg: m1},
		{Kind: store.KindMessage, Msg: m2},
		{Kind: store.KindAttempt, Command: "a", Seq: 1, Group: "g1", Attempt: 2},
		{Kind: store.KindAttempt, Command: "a", Seq: 1, Group: "g2", Attempt: 1},
		{Kind: store.KindAck, Command: "a", Seq: 1, Group: "g2"},
		{Kind: store.KindDeadLetter, Command: "a", Seq: 2, Group: "g1", Msg: &dead},
		{Kind: store.KindAck, Command: "a", Seq: 2, Group: "g1", Last: true, ID: m2.ID, Producer: "p2", Expires: exp1},
		appendOp("b", 7),
		appendOp("b", 8),
		{Kind: store.KindAck, Command: "b", Seq: 8, Last: true, ID: answer.ID, Answer: answer, Expires: exp2},
		{Kind: store.KindMailbox, Answer: mail, Expires: expMail},
	}
	if oneWrite {
		f.write(true, ops...)
	} else {
		for _, op := range ops {
			f.write(true, op)
		}
	}
	wantM1 := *m1
	wantM1.Attempt = 2
	wantDead := dead
	want := []*store.Record{
		{Kind: store.KindGroup, Command: "a", Group: "g1"},
		{Kind: store.KindGroup, Command: "a", Group: "g2"},
		{Kind: store.KindMessage, Command: "a", Msg: &wantM1, AckedBy: []string{"g2"},
			Attempts: map[string]uint32{"g1": 2, "g2": 1}},
		{Kind: store.KindDeadLetter, Command: "a", Group: "g1", Msg: &wantDead},
		{Kind: store.KindMessage, Command: "b", Msg: newMsg("b", 7)},
		{Kind: store.KindMailbox, ID: mail.ID, Producer: "p9", Expires: expMail, Answer: mail},
		{Kind: store.KindDedup, ID: m2.ID, Producer: "p2", Expires: exp1},
		{Kind: store.KindDedup, ID: answer.ID, Producer: "p1", Expires: exp2, Answer: answer},
	}
	wantRecords(t, f.load(), want)
	f.reopen()
	wantRecords(t, f.load(), want)
}

func testLastAckDeletes(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2, 3)...)
	f.write(false, ackOp("q", 2, "", true))
	wantSeqs(t, f.load(), "q", 1, 3)
	f.reopen()
	wantSeqs(t, f.load(), "q", 1, 3)
}

func testAckedBy(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2)...)
	f.write(false, ackOp("q", 1, "g3", false), ackOp("q", 1, "g1", false), ackOp("q", 2, "", false))
	for range 2 {
		recs := f.load()
		wantSeqs(t, recs, "q", 1, 2)
		if got := fmt.Sprint(recs[0].AckedBy, recs[1].AckedBy); got != `[g1 g3] []` {
			t.Fatalf("AckedBy: got %s, want [g1 g3] []", got)
		}
		f.reopen()
	}
}

func testOrderPerCommand(t *testing.T, f *fixture) {
	x := []uint64{1, 2, 5, 9, 10, 11, 40, 4097, 4098, 9000}
	y := []uint64{3, 4, 6, 100, 101}
	for i := range max(len(x), len(y)) {
		if i < len(y) {
			f.write(true, appendOp("y", y[i]))
		}
		if i < len(x) {
			f.write(true, appendOp("x", x[i]))
		}
	}
	for range 2 {
		recs := f.load()
		wantSeqs(t, recs, "x", x...)
		wantSeqs(t, recs, "y", y...)
		if recs[0].Command != "y" || recs[len(recs)-1].Command != "x" {
			t.Fatalf("commands not in order of first use: first %q, last %q", recs[0].Command, recs[len(recs)-1].Command)
		}
		f.reopen()
	}
}

func testReopenKeepsSyncedData(t *testing.T, f *fixture) {
	f.write(true, appends("q", seqRange(1, 100)...)...)
	f.write(false, lastAcks("q", seqRange(1, 60)...)...)
	f.write(true, appendOp("q", 101))
	f.reopen()
	wantSeqs(t, f.load(), "q", seqRange(61, 101)...)
}

func testExpiry(t *testing.T, f *fixture) {
	past, live := time.Now().Add(-time.Second).UnixMilli(), future(time.Hour)
	f.write(true, appends("q", 1, 2)...)
	f.write(true,
		store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: msgID("m", 1)}, Expires: past},
		store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: msgID("m", 2)}, Expires: live},
		store.Op{Kind: store.KindAck, Command: "q", Seq: 1, Last: true, ID: msgID("q", 1), Expires: past},
		store.Op{Kind: store.KindAck, Command: "q", Seq: 2, Last: true, ID: msgID("q", 2), Expires: live},
	)
	for round := range 3 {
		var ids [][16]byte
		for _, r := range f.load() {
			if r.Kind == store.KindMailbox || r.Kind == store.KindDedup {
				ids = append(ids, r.ID)
			}
		}
		if want := [][16]byte{msgID("m", 2), msgID("q", 2)}; fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("round %d: mailbox and dedup IDs: got %x, want %x", round, ids, want)
		}
		f.reopen()
	}
}

func testMailboxDelete(t *testing.T, f *fixture) {
	live := future(time.Hour)
	for i := range uint64(3) {
		f.write(false, store.Op{Kind: store.KindMailbox, ID: msgID("m", i), Answer: &store.Answer{Producer: "p"}, Expires: live})
	}
	f.write(true, store.Op{Kind: store.KindMailboxDelete, ID: msgID("m", 1), Producer: "p"})
	f.reopen()
	var ids [][16]byte
	for _, r := range f.load() {
		ids = append(ids, r.ID)
	}
	if want := [][16]byte{msgID("m", 0), msgID("m", 2)}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("mailbox IDs: got %x, want %x", ids, want)
	}
}

// testPerProducer checks that two producers' answers and dedup records
// for one message ID are kept apart: message IDs are unique per producer
// only.
func testPerProducer(t *testing.T, f *fixture) {
	live := future(time.Hour)
	id := msgID("m", 1)
	f.write(true, appends("q", 1, 2)...)
	f.write(true,
		store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: id, Producer: "alice", Data: []byte("for alice")}, Expires: live},
		store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: id, Producer: "bob", Data: []byte("for bob")}, Expires: live},
		store.Op{Kind: store.KindAck, Command: "q", Seq: 1, Last: true, ID: id, Producer: "alice",
			Answer: &store.Answer{ID: id, Producer: "alice", Data: []byte("alice's")}, Expires: live},
		store.Op{Kind: store.KindAck, Command: "q", Seq: 2, Last: true, ID: id, Producer: "bob", Expires: live},
	)
	want := []*store.Record{
		{Kind: store.KindMailbox, ID: id, Producer: "alice", Expires: live, Answer: &store.Answer{ID: id, Producer: "alice", Data: []byte("for alice")}},
		{Kind: store.KindMailbox, ID: id, Producer: "bob", Expires: live, Answer: &store.Answer{ID: id, Producer: "bob", Data: []byte("for bob")}},
		{Kind: store.KindDedup, ID: id, Producer: "alice", Expires: live, Answer: &store.Answer{ID: id, Producer: "alice", Data: []byte("alice's")}},
		{Kind: store.KindDedup, ID: id, Producer: "bob", Expires: live},
	}
	f.reopen()
	wantRecords(t, f.load(), want)

	f.write(true, store.Op{Kind: store.KindMailboxDelete, ID: id, Producer: "bob"})
	f.reopen()
	wantRecords(t, f.load(), append(want[:1:1], want[2:]...))

	f.write(true, store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: id, Producer: "bob"}, Expires: live})
	f.write(true, store.Op{Kind: store.KindMailboxDelete, ID: id}) // no producer: every answer for id
	f.reopen()
	wantRecords(t, f.load(), want[2:])
}

func testDeadLetters(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2, 3)...)
	dl := func(seq uint64, group string) store.Op {
		m := newMsg("q", seq)
		m.Attempt = 20
		return store.Op{Kind: store.KindDeadLetter, Command: "q", Seq: seq, Group: group, Msg: m}
	}
	f.write(true, dl(3, "g2"), dl(3, "g1"), ackOp("q", 3, "", true), dl(1, "g1"), ackOp("q", 1, "", true))
	f.write(true, store.Op{Kind: store.KindDeadLetterDelete, Command: "q", Seq: 3, Group: "g1"})
	f.reopen()
	var got []string
	for _, r := range f.load() {
		if r.Kind == store.KindDeadLetter {
			got = append(got, fmt.Sprintf("%d/%s/%d/%s", r.Msg.Seq, r.Group, r.Msg.Attempt, r.Msg.Data))
		}
	}
	if want := "[1/g1/20/q/1 3/g2/20/q/3]"; fmt.Sprint(got) != want {
		t.Fatalf("dead letters: got %v, want %s", got, want)
	}
	wantSeqs(t, f.load(), "q", 2)
}

func testGroupDelete(t *testing.T, f *fixture) {
	group := func(kind store.Kind, g string) store.Op {
		return store.Op{Kind: kind, Command: "q", Group: g}
	}
	f.write(true, group(store.KindGroup, ""), group(store.KindGroup, "g1"), group(store.KindGroup, "g2"), appendOp("q", 1))
	f.write(true, ackOp("q", 1, "g1", false), group(store.KindGroupDelete, "g1"), group(store.KindGroupDelete, ""))
	f.write(true, group(store.KindGroupDelete, "never"))
	for range 2 {
		var got []string
		for _, r := range f.load() {
			if r.Kind == store.KindGroup {
				got = append(got, r.Command+"/"+r.Group)
			}
		}
		if want := "[q/g2]"; fmt.Sprint(got) != want {
			t.Fatalf("groups after deleting g1 and the default group: %v, want %s", got, want)
		}
		wantSeqs(t, f.load(), "q", 1)
		f.reopen()
	}
}

// A group's start (the first Seq it takes, and the earlier Seqs it takes
// too) is kept, replaced by a new write, and reset by a delete.
func testGroupStart(t *testing.T, f *fixture) {
	group := func(g string, from uint64, also ...uint64) store.Op {
		return store.Op{Kind: store.KindGroup, Command: "q", Group: g, Seq: from, Seqs: also}
	}
	f.write(true, group("all", 0), group("late", 7, 4, 6), group("moved", 3))
	f.write(true, group("moved", 9), store.Op{Kind: store.KindGroupDelete, Command: "q", Group: "late"})
	f.write(true, group("late", 12))
	for range 2 {
		got := make(map[string]string)
		for _, r := range f.load() {
			if r.Kind == store.KindGroup {
				got[r.Group] = fmt.Sprint(r.Seq, r.Seqs)
			}
		}
		want := map[string]string{"all": "0 []", "late": "12 []", "moved": "9 []"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("group starts %v, want %v", got, want)
		}
		f.reopen()
	}
	f.write(true, group("late", 20, 15, 18))
	f.reopen()
	for _, r := range f.load() {
		if r.Kind == store.KindGroup && r.Group == "late" && fmt.Sprint(r.Seq, r.Seqs) != "20 [15 18]" {
			t.Fatalf("group late starts at %d %v, want 20 [15 18]", r.Seq, r.Seqs)
		}
	}
}

func testReplayBelowWatermark(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2, 3)...)
	f.write(true, lastAcks("q", 1, 2, 3)...)
	f.write(true, appendOp("q", 2), appendOp("q", 4))
	f.write(true, store.Op{Kind: store.KindAttempt, Command: "q", Seq: 2, Group: "g", Attempt: 1})
	wantSeqs(t, f.load(), "q", 2, 4)
	f.reopen()
	recs := f.load()
	wantSeqs(t, recs, "q", 2, 4)
	if recs[0].Attempts["g"] != 1 {
		t.Fatalf("attempts of replayed message: got %v, want g:1", recs[0].Attempts)
	}
	f.write(true, ackOp("q", 2, "", true))
	wantSeqs(t, f.load(), "q", 4)
	f.reopen()
	wantSeqs(t, f.load(), "q", 4)
}

func testPurge(t *testing.T, f *fixture) {
	f.write(true, appends("q", seqRange(1, 9000)...)...)
	f.write(true, appendOp("r", 5))
	f.write(true, ackOp("q", 5, "g", false),
		store.Op{Kind: store.KindAttempt, Command: "q", Seq: 4100, Group: "g", Attempt: 2})
	f.write(true, store.Op{Kind: store.KindPurge, Command: "q", Seq: 3, To: 8000, Seqs: []uint64{7, 4100}})
	want := append([]uint64{1, 2, 7, 4100}, seqRange(8001, 9000)...)
	for range 2 {
		recs := f.load()
		wantSeqs(t, recs, "q", want...)
		wantSeqs(t, recs, "r", 5)
		if r := recs[3]; r.Msg.Seq != 4100 || r.Attempts["g"] != 2 {
			t.Fatalf("kept message %d lost its attempts: %v", r.Msg.Seq, r.Attempts)
		}
		f.reopen()
	}
	if recs := f.page("q", 3, 3); !slices.Equal(pageSeqs(recs), []uint64{7, 4100, 8001}) {
		t.Fatalf("page from 3: %v, want [7 4100 8001]", pageSeqs(recs))
	}
	f.write(true, appendOp("q", 9001), ackOp("q", 4100, "", true))
	f.reopen()
	wantSeqs(t, f.load(), "q", append([]uint64{1, 2, 7}, seqRange(8001, 9001)...)...)
	if err := f.s.Write([]store.Op{{Kind: store.KindPurge, Command: "q", Seq: 5, To: 4}}, true); !errors.Is(err, store.ErrInvalidOp) {
		t.Fatalf("purge of an empty range: %v, want ErrInvalidOp", err)
	}
}

func testResult(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2)...)
	a := &store.Answer{Code: 6, From: "c", Data: []byte("late")}
	f.write(true, store.Op{Kind: store.KindResult, Command: "q", Seq: 2, Answer: a},
		store.Op{Kind: store.KindResult, Command: "q", Seq: 9, Answer: a}) // not queued: ignored
	want := &store.Answer{ID: msgID("q", 2), Producer: newMsg("q", 2).From, Code: 6, From: "c", Data: []byte("late")}
	for range 2 {
		recs := f.load()
		wantSeqs(t, recs, "q", 1, 2)
		if recs[0].Answer != nil || fmt.Sprint(recs[1].Answer) != fmt.Sprint(want) {
			t.Fatalf("results %v, %v; want none, %v", recs[0].Answer, recs[1].Answer, want)
		}
		f.reopen()
	}
	f.write(true, appendOp("q", 2)) // rewritten: a replay
	if recs := f.load(); recs[1].Answer != nil {
		t.Fatalf("rewritten message kept its result %v", recs[1].Answer)
	}
	if err := f.s.Write([]store.Op{{Kind: store.KindResult, Command: "q", Seq: 1}}, true); !errors.Is(err, store.ErrInvalidOp) {
		t.Fatalf("result without an answer: %v, want ErrInvalidOp", err)
	}
}

func testSeqContinues(t *testing.T, f *fixture) {
	f.write(true, appends("q", seqRange(1, 10)...)...)
	f.write(true, appendOp("r", 4))
	f.write(true, lastAcks("q", seqRange(1, 10)...)...)
	f.reopen()
	var seqs []string
	if err := f.s.Load(func(r *store.Record) error {
		if r.Kind == store.KindSeq {
			seqs = append(seqs, fmt.Sprint(r.Command, " ", r.Seq))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// "r" has its message, whose Seq says where it is.
	if fmt.Sprint(seqs) != "[q 10]" {
		t.Fatalf("seq records %v, want [q 10]", seqs)
	}
}

func testRewriteResets(t *testing.T, f *fixture) {
	f.write(true, appendOp("q", 1), appendOp("q", 2))
	f.write(true, ackOp("q", 1, "g", false),
		store.Op{Kind: store.KindAttempt, Command: "q", Seq: 1, Group: "g", Attempt: 3})
	f.write(true, appendOp("q", 1))
	f.reopen()
	recs := f.load()
	wantSeqs(t, recs, "q", 1, 2)
	if r := recs[0]; r.AckedBy != nil || r.Attempts != nil || r.Msg.Attempt != 0 {
		t.Fatalf("rewritten message kept state: acked %v attempts %v", r.AckedBy, r.Attempts)
	}
}

func testDoneMessageIgnoresSubOps(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2)...)
	f.write(true, ackOp("q", 1, "", true), ackOp("q", 2, "", true))
	f.write(true, ackOp("q", 1, "g", false), ackOp("q", 9, "g", false),
		store.Op{Kind: store.KindAttempt, Command: "q", Seq: 2, Group: "g", Attempt: 1})
	f.reopen()
	if recs := f.load(); len(recs) != 0 {
		t.Fatalf("records after sub-ops on done messages:\n%s", dump(recs))
	}
}

func testInvalidOps(t *testing.T, f *fixture) {
	bad := []struct {
		name string
		op   store.Op
	}{
		{"message without Msg", store.Op{Kind: store.KindMessage, Command: "q", Seq: 5}},
		{"message without command", store.Op{Kind: store.KindMessage, Msg: &store.Message{Seq: 5}}},
		{"command differs from Msg", store.Op{Kind: store.KindMessage, Command: "r", Msg: newMsg("q", 5)}},
		{"seq differs from Msg", store.Op{Kind: store.KindMessage, Seq: 6, Msg: newMsg("q", 5)}},
		{"ack without command", store.Op{Kind: store.KindAck, Seq: 1, Last: true}},
		{"dead letter without Msg", store.Op{Kind: store.KindDeadLetter, Command: "q", Seq: 1}},
		{"mailbox without Answer", store.Op{Kind: store.KindMailbox, ID: msgID("m", 1)}},
		{"mailbox ID differs", store.Op{Kind: store.KindMailbox, ID: msgID("m", 1), Answer: &store.Answer{ID: msgID("m", 2)}}},
		{"mailbox producer differs", store.Op{Kind: store.KindMailbox, Producer: "a", Answer: &store.Answer{ID: msgID("m", 1), Producer: "b"}}},
		{"ack producer differs", store.Op{Kind: store.KindAck, Command: "q", Seq: 2, Last: true, ID: msgID("q", 2), Producer: "a", Answer: &store.Answer{Producer: "b"}}},
		{"restore-only kind", store.Op{Kind: store.KindDedup, ID: msgID("m", 1)}},
		{"unknown kind", store.Op{Kind: 200, Command: "q"}},
		{"seq out of range", store.Op{Kind: store.KindAck, Command: "q", Seq: ^uint64(0)}},
	}
	f.write(true, appendOp("q", 1))
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := f.s.Write([]store.Op{appendOp("q", 2), ackOp("q", 1, "", true), tc.op}, true)
			if !errors.Is(err, store.ErrInvalidOp) {
				t.Fatalf("Write: got %v, want ErrInvalidOp", err)
			}
			wantSeqs(t, f.load(), "q", 1)
		})
	}
}

func testLoadStops(t *testing.T, f *fixture) {
	f.write(true, appends("q", 1, 2, 3)...)
	stop := errors.New("stop")
	n := 0
	err := f.s.Load(func(r *store.Record) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("Load: got %v after %d records, want the fn's error after 2", err, n)
	}
	wantSeqs(t, f.load(), "q", 1, 2, 3)
}

func testClosed(t *testing.T, f *fixture) {
	f.write(true, appendOp("q", 1))
	for i := range 2 {
		if err := f.s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if err := f.s.Write([]store.Op{appendOp("q", 2)}, true); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Write after Close: got %v, want ErrClosed", err)
	}
	if err := f.s.Load(func(*store.Record) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Load after Close: got %v, want ErrClosed", err)
	}
}

func testConcurrentWriters(t *testing.T, f *fixture) {
	const writers, perWriter = 8, 100
	f.load()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			cmd := fmt.Sprintf("c%d", w%3)
			for i := range uint64(perWriter) {
				seq := uint64(w)*perWriter + i + 1
				if err := f.s.Write([]store.Op{appendOp(cmd, seq)}, true); err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					if err := f.s.Write([]store.Op{ackOp(cmd, seq, "", true)}, false); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Write: %v", err)
	}
	f.reopen()
	recs := f.load()
	want := map[string][]uint64{}
	for w := range writers {
		cmd := fmt.Sprintf("c%d", w%3)
		for i := uint64(1); i < perWriter; i += 2 {
			want[cmd] = append(want[cmd], uint64(w)*perWriter+i+1)
		}
	}
	for cmd, seqs := range want {
		wantSeqs(t, recs, cmd, seqs...)
	}
}
