package router_test

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// TestRandomEvents drives the router with random event sequences over
// several connections, commands and groups, and checks after every step
// that no committed message is lost, no subscriber holds more than its
// credit, no delivery has two holders (CheckInvariants), and no producer
// gets two results for one message. At the end everything left is drained
// by a fresh consumer: every committed message must then be finished.
func TestRandomEvents(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			newFuzzer(t, seed, 0).run(3000)
		})
	}
}

// TestRandomEventsPaged is TestRandomEvents with payloads paged out past
// a few messages per command (Config.ResidentBytes): the fuzzer serves
// each ActFetch from its record of the stored payloads some steps later,
// and every delivery must carry its message's own payload.
func TestRandomEventsPaged(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			newFuzzer(t, seed, 40).run(3000)
		})
	}
}

type fuzzer struct {
	*harness
	rnd       *rand.Rand
	published []*router.Message
	live      map[router.ID]bool   // committed, not finished
	finished  map[router.ID]bool   // got its Last ack
	result    map[router.ID]string // the one result routed to the producer
	parked    map[router.ID]bool   // results waiting in a mailbox
	cancelled map[router.ID]bool   // withdrawn by their producer
	held      []router.Action      // deliveries seen, some stale by now
	payloads  map[router.ID][]byte // each committed message's payload, as the store keeps it
	fetches   []router.Action      // ActFetch waiting to be served
	paging    bool                 // Config.ResidentBytes is set
	filled    int                  // payloads served by Fill
	delivered map[deliveryKey]bool // every delivery seen
}

// deliveryKey names one delivery attempt of a message to a connection.
type deliveryKey struct {
	conn    router.ConnID
	id      router.ID
	attempt int
}

var (
	fuzzCommands = []string{"a", "b"}
	fuzzGroups   = []string{router.DefaultGroup, "g1", "eph"}
	producers    = []router.ConnID{1, 2, 3}
	consumers    = []router.ConnID{10, 11, 12, 13, 14}
)

func newFuzzer(t *testing.T, seed int64, resident int64) *fuzzer {
	cfg := router.Config{
		MaxQueueLen: 40, Lease: 5 * time.Second, MaxDeliveries: 4,
		DedupWindow: 20 * time.Second, MailboxTTL: 30 * time.Second,
		RetryDelay: 100 * time.Millisecond, MaxRetryDelay: time.Second,
		IdleTimeout: 20 * time.Second,
	}
	cfg.ResidentBytes = resident
	return &fuzzer{
		harness:   newHarness(t, cfg),
		rnd:       rand.New(rand.NewSource(seed)),
		live:      make(map[router.ID]bool),
		finished:  make(map[router.ID]bool),
		result:    make(map[router.ID]string),
		parked:    make(map[router.ID]bool),
		cancelled: make(map[router.ID]bool),
		payloads:  make(map[router.ID][]byte),
		paging:    resident > 0,
		delivered: make(map[deliveryKey]bool),
	}
}

// serve answers the oldest waiting ActFetch with Fill, as the broker
// would after reading the store: the committed, unfinished messages of its
// command from its Seq on, in Seq order.
func (f *fuzzer) serve() {
	if len(f.fetches) == 0 {
		return
	}
	a := f.fetches[0]
	f.fetches = f.fetches[1:]
	var page []router.Payload
	for _, m := range f.published {
		if m.Command == a.Msg.Command && m.Seq >= a.Msg.Seq && f.live[m.ID] && len(page) < a.Attempt {
			page = append(page, router.Payload{ID: m.ID, Seq: m.Seq, Data: f.payloads[m.ID]})
		}
	}
	f.filled += len(page)
	f.check(f.r.Fill(f.now, a.Msg.Command, page), nil, "fill")
}

func (f *fuzzer) pick(n int) int { return f.rnd.Intn(n) }

func (f *fuzzer) run(steps int) {
	for step := range steps {
		f.advance(time.Duration(f.pick(200)) * time.Millisecond)
		f.step()
		if f.t.Failed() {
			f.t.Fatalf("failed at step %d", step)
		}
	}
	f.drain()
}

func (f *fuzzer) step() {
	if len(f.held) > 300 { // forget the oldest deliveries, mostly stale by now
		f.held = append(f.held[:0], f.held[100:]...)
	}
	switch n := f.pick(100); {
	case n < 30:
		f.publish()
	case n < 35:
		f.republish()
	case n < 45:
		c := consumers[f.pick(len(consumers))]
		g := fuzzGroups[f.pick(len(fuzzGroups))]
		acts, err := f.r.Subscribe(f.now, c, uint32(1+f.pick(3)), fuzzCommands[f.pick(2)], g, 1+f.pick(3), g == "eph")
		f.check(acts, err, "subscribe", router.ErrDuplicateSub)
	case n < 49:
		acts, err := f.r.Unsubscribe(f.now, consumers[f.pick(len(consumers))], uint32(1+f.pick(3)))
		f.check(acts, err, "unsubscribe", router.ErrUnknownSub)
	case n < 54:
		acts, err := f.r.SetCredit(f.now, consumers[f.pick(len(consumers))], uint32(1+f.pick(3)), f.pick(4))
		f.check(acts, err, "credit", router.ErrUnknownSub)
	case n < 77:
		f.answer()
	case n < 80:
		if len(f.held) > 0 {
			d := f.held[f.pick(len(f.held))]
			err := f.r.Touch(f.now, d.Conn, d.Msg.ID, d.Attempt, time.Duration(f.pick(8))*time.Second)
			f.check(nil, err, "touch", router.ErrUnknownID, router.ErrStaleAttempt)
		}
	case n < 84:
		if f.pick(2) == 0 {
			p := producers[f.pick(len(producers))]
			f.check(f.r.Connect(f.now, p, fmt.Sprint("p", p)), nil, "connect")
		} else {
			c := consumers[f.pick(len(consumers))]
			f.check(f.r.Connect(f.now, c, fmt.Sprint("c", c)), nil, "connect")
		}
	case n < 88:
		all := append(append([]router.ConnID{}, producers...), consumers...)
		f.check(f.r.Disconnect(f.now, all[f.pick(len(all))]), nil, "disconnect")
	case n < 96:
		f.advance(time.Duration(f.pick(15000)) * time.Millisecond)
		f.check(f.r.Tick(f.now), nil, "tick")
	case n < 97:
		f.cancel()
	case n < 98:
		f.serve()
	default:
		f.operate()
	}
}

// operate makes an operator request: replay or purge the dead letters,
// purge the queue, delete a group.
func (f *fuzzer) operate() {
	cmd := fuzzCommands[f.pick(2)]
	switch f.pick(4) {
	case 0:
		acts, _ := f.r.Replay(f.now, cmd, nil)
		f.check(acts, nil, "replay")
	case 1:
		acts, _, err := f.r.PurgeDeadLetters(f.now, cmd)
		f.check(acts, err, "purge dead letters", router.ErrUnknownCommand)
	case 2:
		acts, _, err := f.r.PurgeQueue(f.now, cmd)
		f.check(acts, err, "purge queue", router.ErrUnknownCommand)
	default:
		acts, _, err := f.r.DeleteGroup(f.now, cmd, fuzzGroups[f.pick(len(fuzzGroups))])
		f.check(acts, err, "delete group", router.ErrUnknownCommand, router.ErrUnknownGroup, router.ErrGroupInUse)
	}
}

func (f *fuzzer) publish() {
	p := producers[f.pick(len(producers))]
	m := f.msg(fuzzCommands[f.pick(2)], fmt.Sprint("p", p), f.pick(3) > 0)
	if f.pick(2) == 0 {
		m.Data = make([]byte, f.pick(20))
		f.rnd.Read(m.Data)
	}
	if f.pick(5) == 0 {
		m.Deadline = f.now.Add(time.Duration(f.pick(30000)-2000) * time.Millisecond)
	}
	acts, err := f.r.Admit(f.now, p, m)
	f.check(acts, err, "admit", router.ErrQueueFull)
	if err != nil {
		return
	}
	if f.pick(10) == 0 {
		f.r.Abort(m)
		return
	}
	f.payloads[m.ID] = slices.Clone(m.Data)
	f.published = append(f.published, m)
	f.live[m.ID] = true
	f.check(f.r.Commit(f.now, m), nil, "commit")
}

// republish sends an old message again: it must be refused while the
// router knows it, and gets the same result if it has one.
func (f *fuzzer) republish() {
	if len(f.published) == 0 {
		return
	}
	m := again(f.published[f.pick(len(f.published))])
	acts, err := f.r.Admit(f.now, producers[f.pick(len(producers))], m)
	if err == nil {
		if f.live[m.ID] {
			f.t.Errorf("duplicate of a queued message admitted")
		}
		f.r.Abort(m) // keep one incarnation per ID
	}
	f.check(acts, err, "readmit", router.ErrDuplicate, router.ErrQueueFull)
}

func (f *fuzzer) answer() {
	if len(f.held) == 0 {
		return
	}
	i := max(0, len(f.held)-1-f.pick(8)) // mostly recent deliveries
	d := f.held[i]
	attempt := d.Attempt
	if f.pick(10) == 0 {
		attempt-- // fenced
	}
	kind := []router.AnswerKind{router.Reply, router.Reply, router.Reply, router.Fail, router.Retry}[f.pick(5)]
	acts, err := f.r.Answer(f.now, d.Conn, d.Msg.ID, attempt, kind, []byte(fmt.Sprint("answer ", f.pick(1000))))
	f.check(acts, err, "answer", router.ErrUnknownID, router.ErrStaleAttempt)
	if err == nil && attempt != d.Attempt {
		// accepted only if conn was handed that attempt too, in another
		// group (held may have forgotten it)
		if !f.delivered[deliveryKey{d.Conn, d.Msg.ID, attempt}] {
			f.t.Fatalf("answer of attempt %d accepted for delivery %d", attempt, d.Attempt)
		}
		i = slices.IndexFunc(f.held, func(h router.Action) bool {
			return h.Conn == d.Conn && h.Msg.ID == d.Msg.ID && h.Attempt == attempt
		})
		if i < 0 {
			return
		}
	}
	if err == nil || f.pick(3) == 0 {
		f.held[i] = f.held[len(f.held)-1]
		f.held = f.held[:len(f.held)-1]
	}
}

// cancel has a producer withdraw one of its messages, which is then
// never delivered again and gets no result but the cancelled one its
// duplicates get.
func (f *fuzzer) cancel() {
	if len(f.published) == 0 {
		return
	}
	m := f.published[f.pick(len(f.published))]
	var conn router.ConnID
	fmt.Sscanf(m.From, "p%d", &conn)
	acts, err := f.r.Cancel(f.now, conn, m.ID)
	if err == nil {
		f.cancelled[m.ID] = true
		if _, ok := f.result[m.ID]; !ok && m.Request {
			f.result[m.ID] = fmt.Sprint(router.ResultCancelled, "/")
		}
	}
	f.check(acts, err, "cancel", router.ErrUnknownID)
}

// check verifies one event's outcome and its actions against the model.
func (f *fuzzer) check(acts []router.Action, err error, op string, allowed ...error) {
	f.t.Helper()
	if err != nil {
		ok := false
		for _, a := range allowed {
			ok = ok || errors.Is(err, a)
		}
		if !ok {
			f.t.Fatalf("%s: unexpected error %v", op, err)
		}
	}
	acts = f.done(acts)
	for _, a := range acts {
		f.observe(op, a)
	}
	for _, d := range deliveries(acts) {
		if n, credit, ok := f.r.SubLoad(d.Conn, d.SubID); !ok || n > credit {
			f.t.Fatalf("%s: subscription %d/%d holds %d with credit %d", op, d.Conn, d.SubID, n, credit)
		}
	}
	for id := range f.live {
		if !f.r.IsLive(id) {
			f.t.Fatalf("%s: committed message lost without a Last ack", op)
		}
	}
}

func (f *fuzzer) observe(op string, a router.Action) {
	switch a.Kind {
	case router.ActDeliver:
		if !f.live[a.Msg.ID] {
			f.t.Fatalf("%s: delivered a message that is not queued", op)
		}
		if f.cancelled[a.Msg.ID] {
			f.t.Fatalf("%s: delivered a cancelled message", op)
		}
		if !a.Msg.Deadline.IsZero() && !f.now.Before(a.Msg.Deadline) {
			f.t.Fatalf("%s: delivered a message past its deadline", op)
		}
		if want := f.payloads[a.Msg.ID]; string(a.Msg.Data) != string(want) || (a.Msg.Data == nil) != (want == nil) {
			f.t.Fatalf("%s: delivered payload %q, the message was published with %q", op, a.Msg.Data, want)
		}
		f.held = append(f.held, a)
		f.delivered[deliveryKey{a.Conn, a.Msg.ID, a.Attempt}] = true
	case router.ActFetch:
		if !f.live[a.Msg.ID] || a.Msg.Data != nil || a.Attempt < 1 {
			f.t.Fatalf("%s: fetch from a message not queued and paged out", op)
		}
		f.fetches = append(f.fetches, a)
	case router.ActAck:
		if a.Last {
			if !f.live[a.Msg.ID] || f.finished[a.Msg.ID] {
				f.t.Fatalf("%s: Last ack of a message not queued", op)
			}
			delete(f.live, a.Msg.ID)
			f.finished[a.Msg.ID] = true
		}
	case router.ActResult, router.ActMailbox:
		val := fmt.Sprint(a.Code, "/", string(a.Data))
		id := a.Msg.ID
		switch {
		case op == "readmit" && a.Kind == router.ActResult:
			if f.result[id] != val {
				f.t.Fatalf("duplicate got result %q, the producer got %q", val, f.result[id])
			}
		case op == "connect" && a.Kind == router.ActResult:
			if !f.parked[id] || f.result[id] != val {
				f.t.Fatalf("connect flushed a result that was not parked")
			}
			delete(f.parked, id)
		default:
			if _, dup := f.result[id]; dup {
				f.t.Fatalf("%s: second result %q for a message (first %q)", op, val, f.result[id])
			}
			f.result[id] = val
			f.parked[id] = a.Kind == router.ActMailbox
		}
	case router.ActMailboxDelete:
		if op == "tick" {
			delete(f.parked, a.Msg.ID)
		}
	}
}

// drain ends every consumer, then lets one consumer answer everything in
// every durable group, replaying dead letters, until nothing is left.
func (f *fuzzer) drain() {
	for _, c := range consumers {
		f.check(f.r.Disconnect(f.now, c), nil, "disconnect")
	}
	f.held = nil
	for _, p := range producers {
		f.check(f.r.Connect(f.now, p, fmt.Sprint("p", p)), nil, "connect")
	}
	const drainer = 50
	sub := uint32(0)
	for _, cmd := range fuzzCommands {
		for _, g := range f.r.Groups(cmd) {
			sub++
			acts, err := f.r.Subscribe(f.now, drainer, sub, cmd, g, 1000, false)
			f.check(acts, err, "subscribe")
		}
	}
	for round := 0; round < 500 && len(f.live) > 0; round++ {
		for len(f.fetches) > 0 {
			f.serve()
		}
		for len(f.held) > 0 {
			d := f.held[0]
			f.held = f.held[1:]
			acts, err := f.r.Answer(f.now, d.Conn, d.Msg.ID, d.Attempt, router.Reply, nil)
			f.check(acts, err, "answer", router.ErrStaleAttempt) // its lease ran out in the last tick
		}
		for _, cmd := range fuzzCommands {
			acts, _ := f.r.Replay(f.now, cmd, nil)
			f.check(acts, nil, "replay")
		}
		f.advance(10 * time.Second)
		f.check(f.r.Tick(f.now), nil, "tick")
	}
	if len(f.live) != 0 {
		f.t.Fatalf("%d committed messages never finished", len(f.live))
	}
	if st := f.r.Stats(); st.Messages != 0 || st.Pending != 0 || st.InFlight != 0 || st.DeadLetters != 0 {
		f.t.Fatalf("state left after drain: %+v", st)
	}
	f.t.Logf("%d messages finished, %d results, %d cancelled", len(f.finished), len(f.result), len(f.cancelled))
	if f.paging && f.filled < 50 {
		f.t.Fatalf("only %d payloads were paged back in: the queues are too short to page", f.filled)
	}
	if len(f.finished) < 100 {
		f.t.Fatalf("only %d messages went through: the event mix is too weak", len(f.finished))
	}
}
