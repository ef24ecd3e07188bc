package router_test

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// TestWindowRestartProperty drives a router with windows of 4 messages
// through random sends and requests (their reads of the store served
// late, events happening between a read and its page's hand-over), subscriptions to two durable groups,
// answers (some asking for a retry, which dead-letters a message now and
// then), replays of the dead letters, deletions of a group (made again by
// a later subscription), disconnects, ticks and restarts, each restart rebuilding a
// router from what the actions before it stored, as the broker does; a
// group without subscribers leaves its copies past its window in its back.
// Then consumers of every group (the default one too, made by a publish
// after both were deleted) drain what is left. Each group must have
// finished every message exactly once or dead-lettered it, and every
// request got one result (a reply, ResultDeadLetter, or the timeout or
// purge of a message that may go); a group's first
// deliveries of messages come in Seq order, across the restarts too (but
// for messages a group dead-lettered: those stay in memory at a restart,
// ahead of the tail); no message comes to a group after the group
// finished it.
func TestWindowRestartProperty(t *testing.T) {
	// Seeds 10 and 16 found a purge of a tail that a group made after its
	// start still took, and a page that brought back a message finished
	// after its read. Seeds 1, 3 and 5 left for 7, 8 and 9 when pages and
	// the restart's head changed: they read too few messages from a
	// group's back to pass the coverage check (100 seeds pass otherwise).
	for _, seed := range []int64{2, 4, 6, 7, 8, 9, 10, 16} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			p := newRestartProp(t, seed)
			p.run(2500)
			p.drain()
			if p.restarts < 5 || p.loaded < 200 || p.backLoaded < 50 || p.redelivered < 20 || len(p.everDead) < 3 {
				t.Fatalf("%d restarts, %d messages loaded (%d from a group's back), %d redeliveries, %d dead letters: the run did not cross the window, restart, redeliver and dead-letter enough",
					p.restarts, p.loaded, p.backLoaded, p.redelivered, len(p.everDead))
			}
		})
	}
}

// restartProp is one run of TestWindowRestartProperty: the router, the
// store its actions keep, and what each group was given.
type restartProp struct {
	t   *testing.T
	rnd *rand.Rand
	cfg router.Config
	r   *router.Router
	now time.Time
	ids uint64

	stored   map[uint64]*propStored       // by Seq, the one command's undone messages
	groups   map[string]router.GroupStart // durable groups stored, with their starts
	answered map[router.ID]router.Action  // by request, the ack that carried the result the producer got
	sent     []router.ID                  // messages committed, in order

	results   map[router.ID]int             // by request, the results its producer got
	mayGo     map[router.ID]bool            // messages with a deadline, cancelled or purged: they may end unfinished
	bornAt    map[string]uint64             // by group, the last message published before it was made (MaxUint64: deleted)
	held      []router.Action               // deliveries not answered yet, some stale
	reads     []*propRead                   // reads of the store under way
	finished  map[string]map[router.ID]bool // by group, the messages answered
	dead      map[string]map[router.ID]bool // by group, the messages in its dead-letter queue
	everDead  map[router.ID]bool            // messages a group dead-lettered
	lastFresh map[string]uint64             // by group, the publish order (ids) of its last first delivery

	restarts, loaded, redelivered int
	backLoaded                    int // messages read in pages of a group's back
	events                        int // apply calls
}

// propStored is a stored message with what the store keeps of it.
type propStored struct {
	m     router.Message
	acked []string
	tries map[string]int
	dead  []string
}

const propCmd = "cmd"

var propGroups = []string{"a", "b"}

func newRestartProp(t *testing.T, seed int64) *restartProp {
	p := &restartProp{t: t, rnd: rand.New(rand.NewSource(seed)), now: t0,
		cfg: router.Config{Window: 4, ResidentBytes: 40, MaxQueueLen: 1000, Lease: 5 * time.Second,
			MaxDeliveries: 4, RetryDelay: 100 * time.Millisecond, MaxRetryDelay: time.Second, DedupWindow: time.Hour},
		stored: make(map[uint64]*propStored), groups: make(map[string]router.GroupStart), answered: make(map[router.ID]router.Action),
		finished: make(map[string]map[router.ID]bool), dead: make(map[string]map[router.ID]bool), everDead: make(map[router.ID]bool), lastFresh: make(map[string]uint64), results: make(map[router.ID]int),
		mayGo: make(map[router.ID]bool), bornAt: make(map[string]uint64)}
	p.r = router.New(p.cfg)
	p.apply(p.r.Connect(p.now, producerConn, "p"))
	for i, g := range propGroups { // both groups take every message
		p.apply(p.must(p.r.Subscribe(p.now, 99, uint32(i+1), propCmd, g, 1, false)))
		p.finished[g], p.dead[g] = make(map[router.ID]bool), make(map[router.ID]bool)
	}
	p.apply(p.r.Disconnect(p.now, 99))
	return p
}

func (p *restartProp) pick(n int) int { return p.rnd.Intn(n) }

func (p *restartProp) must(acts []router.Action, err error) []router.Action {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
	return acts
}

func (p *restartProp) run(steps int) {
	for range steps {
		p.now = p.now.Add(time.Duration(p.pick(200)) * time.Millisecond)
		for len(p.reads) > 0 && p.pick(3) > 0 {
			p.serveRead(p.pick(len(p.reads)))
		}
		switch n := p.pick(100); {
		case n < 45:
			p.send()
		case n < 55:
			// Connections 10 and 11 consume group a, 12 and 13 group b (an
			// answer names no group: see Router.Answer).
			conn := router.ConnID(10 + p.pick(4))
			acts, _ := p.r.Subscribe(p.now, conn, uint32(1+p.pick(2)), propCmd, propGroups[(conn-10)/2], 1+p.pick(3), false)
			p.apply(acts)
		case n < 59:
			acts, _ := p.r.Unsubscribe(p.now, router.ConnID(10+p.pick(4)), uint32(1+p.pick(2)))
			p.apply(acts)
		case n < 88:
			p.answer(p.pick(5) == 0)
		case n < 91:
			p.apply(p.r.Disconnect(p.now, router.ConnID(10+p.pick(4))))
		case n < 96:
			p.now = p.now.Add(time.Duration(p.pick(6000)) * time.Millisecond)
			p.apply(p.r.Tick(p.now))
		case n < 97:
			acts, _ := p.r.Replay(p.now, propCmd, nil)
			p.apply(acts)
		case n < 98 && p.pick(2) == 0:
			p.cancel()
		case n < 98 && p.pick(3) == 0:
			p.deleteGroup()
		case n < 98:
			p.purge()
		default:
			p.restart()
		}
	}
}

// send publishes one message, stores it and commits it.
func (p *restartProp) send() {
	p.ids++
	m := &router.Message{ID: router.ID{14: byte(p.ids >> 8), 15: byte(p.ids)}, Command: propCmd, From: "p",
		Data: []byte(fmt.Sprintf("m%d", p.ids))}
	if p.pick(3) == 0 { // a request that group a answers
		m.Request, m.AnswerGroup, m.Deadline = true, "a", p.now.Add(1000*time.Hour)
	}
	if p.pick(8) == 0 { // a deadline that may pass in the run
		m.Deadline = p.now.Add(time.Duration(5+p.pick(60)) * time.Second)
		p.mayGo[m.ID] = true
	}
	acts, err := p.r.Admit(p.now, producerConn, m)
	if errors.Is(err, router.ErrQueueFull) || errors.Is(err, router.ErrNoAnswerGroup) {
		return
	}
	p.apply(p.must(acts, err))
	p.stored[m.Seq] = &propStored{m: *m, tries: make(map[string]int)}
	p.sent = append(p.sent, m.ID)
	if m.Request {
		p.results[m.ID] = 0
	}
	p.apply(p.r.Commit(p.now, m))
}

// cancel cancels one of the newest messages, which then may never be
// finished.
func (p *restartProp) cancel() {
	if len(p.sent) == 0 {
		return
	}
	id := p.sent[len(p.sent)-1-p.pick(min(len(p.sent), 30))]
	p.mayGo[id] = true
	acts, _ := p.r.Cancel(p.now, producerConn, id)
	p.apply(acts)
}

// purge purges the queue, now and then: the messages stored then may
// never be finished.
func (p *restartProp) purge() {
	if p.pick(25) > 0 {
		return
	}
	for _, s := range p.stored {
		p.mayGo[s.m.ID] = true
	}
	acts, _, err := p.r.PurgeQueue(p.now, propCmd)
	p.apply(p.must(acts, err))
}

// deleteGroup deletes a group now and then, if it has no consumer: its
// copies go, its requests' results may be ResultPurged, and made again by
// a subscription it takes only the messages published after.
func (p *restartProp) deleteGroup() {
	if p.pick(2) > 0 {
		return
	}
	g := propGroups[p.pick(2)]
	acts, _, err := p.r.DeleteGroup(p.now, propCmd, g)
	if err != nil {
		return // a consumer is subscribed, or it is gone already
	}
	p.bornAt[g] = math.MaxUint64
	if g == "a" {
		for _, s := range p.stored {
			p.mayGo[s.m.ID] = true // the answer group went: ResultPurged
		}
	}
	p.apply(acts)
}

// takes reports whether group g is to finish message id: it was published
// while the group existed, after its latest creation.
func (p *restartProp) takes(g string, id router.ID) bool { return pubNo(id) > p.bornAt[g] }

// answer answers a held delivery, asking for a retry or not.
func (p *restartProp) answer(retry bool) {
	if len(p.held) == 0 {
		return
	}
	i := p.pick(len(p.held))
	d := p.held[i]
	p.held = slices.Delete(p.held, i, i+1)
	kind := router.Reply
	if retry {
		kind = router.Retry
	}
	acts, err := p.r.Answer(p.now, d.Conn, d.Msg.ID, d.Attempt, kind, nil)
	if err != nil {
		return // stale: the lease passed, or the consumer went
	}
	if kind == router.Reply {
		p.finished[d.Group][d.Msg.ID] = true
	}
	p.apply(acts)
}

// restart rebuilds the router from the store, as a broker's restart does:
// the groups, then the undone messages in Seq order with their acks and
// attempts, then the dead letters. Every connection is gone.
func (p *restartProp) restart() {
	p.restarts++
	p.r = router.New(p.cfg)
	for _, g := range slices.Sorted(maps.Keys(p.groups)) {
		p.r.RestoreGroup(propCmd, g, p.groups[g])
	}
	for _, a := range p.answered {
		expires := a.Expires
		if expires.IsZero() { // kept with the message
			expires = p.now.Add(time.Hour)
		}
		p.r.RestoreDedup(a.Msg.ID, a.Msg.From, a.Code, a.From, a.Data, true, expires)
	}
	for _, seq := range slices.Sorted(maps.Keys(p.stored)) {
		s := p.stored[seq]
		m := s.m
		p.r.Restore(&m, slices.Clone(s.acked), maps.Clone(s.tries))
	}
	for _, seq := range slices.Sorted(maps.Keys(p.stored)) {
		for _, g := range p.stored[seq].dead {
			m := p.stored[seq].m
			p.r.RestoreDeadLetter(&m, g)
		}
	}
	p.held, p.reads = nil, nil
	p.apply(p.r.Connect(p.now, producerConn, "p"))
}

// apply keeps what acts store, serves their loads and fetches (and those
// of the events these bring), and checks and holds their deliveries.
func (p *restartProp) apply(acts []router.Action) {
	p.t.Helper()
	queue := slices.Clone(acts)
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		s := p.stored[a.Msg.Seq]
		switch a.Kind {
		case router.ActDeliver:
			p.delivered(a)
		case router.ActResult, router.ActMailbox:
			if n, ok := p.results[a.Msg.ID]; !ok || n > 0 || !p.allowed(a) {
				p.t.Fatalf("result %d for request %x, which had %d results already", a.Code, a.Msg.ID[14:], n)
			}
			p.results[a.Msg.ID]++
		case router.ActAck:
			if a.Answered && a.Last { // the store keeps the result of a finished message
				p.answered[a.Msg.ID] = a
			}
			if s != nil {
				s.acked = append(s.acked, a.Group)
			}
			if a.Last {
				delete(p.stored, a.Msg.Seq)
			}
		case router.ActAttempt:
			if s != nil {
				s.tries[a.Group] = a.Attempt
			}
		case router.ActDeadLetter:
			if s != nil {
				s.dead = append(s.dead, a.Group)
			}

			p.dead[a.Group][a.Msg.ID], p.everDead[a.Msg.ID] = true, true
		case router.ActDeadLetterDelete:
			if s != nil {
				s.dead = slices.DeleteFunc(s.dead, func(g string) bool { return g == a.Group })
			}
			delete(p.dead[a.Group], a.Msg.ID)
		case router.ActGroup:
			var start router.GroupStart
			if a.Start != nil {
				start = *a.Start
			}
			p.groups[a.Group] = start
			p.bornAt[a.Group] = p.ids // it takes the messages published from now on
		case router.ActGroupDelete:
			delete(p.groups, a.Group)
		case router.ActKeepResult: // with the message while it is stored
			p.answered[a.Msg.ID] = a
		case router.ActPurge:
			for seq := range p.stored {
				if _, kept := slices.BinarySearch(a.Purge.Keep, seq); seq >= a.Purge.From && seq <= a.Purge.To && !kept {
					delete(p.stored, seq)
				}
			}
		case router.ActLoad, router.ActLoadBack, router.ActFetch:
			p.reads = append(p.reads, &propRead{act: a})
		}
	}
	p.events++
	if p.events%16 == 0 { // a check walks every message
		if err := p.r.CheckInvariants(); err != nil {
			p.t.Fatalf("invariant: %v", err)
		}
	}
}

// propRead is a read of the store an ActLoad or an ActFetch asked for:
// as in the broker, it reads the store at one moment and hands the page
// to the router at a later one, events happening in between.
type propRead struct {
	act  router.Action
	page []router.Stored // nil until read
	done bool            // read
}

// serveRead moves read i on: it reads the store, or hands its page over.
func (p *restartProp) serveRead(i int) {
	rd := p.reads[i]
	if !rd.done {
		rd.page, rd.done = p.read(rd.act.Msg.Seq, rd.act.Attempt), true
		return
	}
	p.reads = slices.Delete(p.reads, i, i+1)
	switch rd.act.Kind {
	case router.ActLoad:
		p.loaded += len(rd.page)
		p.apply(p.r.Load(p.now, propCmd, rd.page, rd.act.Attempt, true))
		return
	case router.ActLoadBack:
		p.backLoaded += len(rd.page)
		p.apply(p.r.LoadBack(p.now, propCmd, rd.act.Group, rd.act.Msg.Seq, rd.page, rd.act.Attempt, true))
		return
	}
	var ps []router.Payload
	for _, st := range rd.page {
		ps = append(ps, router.Payload{ID: st.Msg.ID, Seq: st.Msg.Seq, Data: st.Msg.Data})
	}
	p.apply(p.r.Fill(p.now, propCmd, ps))
}

// read returns up to limit stored messages from seq on, as the store's
// ReadMessages gives them.
func (p *restartProp) read(from uint64, limit int) []router.Stored {
	var page []router.Stored
	for _, seq := range slices.Sorted(maps.Keys(p.stored)) {
		if seq >= from && len(page) < limit {
			s := p.stored[seq]
			m := s.m
			page = append(page, router.Stored{Msg: &m, AckedBy: slices.Clone(s.acked), Attempts: maps.Clone(s.tries)})
		}
	}
	return page
}

// delivered checks delivery d and holds it for an answer.
func (p *restartProp) delivered(d router.Action) {
	p.t.Helper()
	g, seq := d.Group, d.Msg.Seq
	if p.finished[g][d.Msg.ID] {
		p.t.Fatalf("seq %d delivered to group %q (attempt %d) after the group finished it", seq, g, d.Attempt)
	}
	if want := p.stored[seq]; want == nil || string(d.Msg.Data) != string(want.m.Data) {
		p.t.Fatalf("seq %d delivered to group %q with payload %q, not a stored message's", seq, g, d.Msg.Data)
	}
	if n := pubNo(d.Msg.ID); d.Attempt == 1 && !p.everDead[d.Msg.ID] { // a dead letter keeps its message ahead of the tail
		if n <= p.lastFresh[g] {
			p.t.Fatalf("group %q got message %d (seq %d) fresh after message %d (restart %d)", g, n, seq, p.lastFresh[g], p.restarts)
		}
		p.lastFresh[g] = n
	} else {
		p.redelivered++
	}
	p.held = append(p.held, d)
}

// drain subscribes a consumer to each group and answers every delivery
// until nothing is left, then checks that each group finished every
// message and the store holds none.
func (p *restartProp) drain() {
	p.t.Helper()
	for i, g := range p.r.Groups(propCmd) { // the default group too, made by a publish after both were deleted
		if p.finished[g] == nil {
			p.finished[g] = make(map[router.ID]bool)
		}
		p.apply(p.must(p.r.Subscribe(p.now, router.ConnID(50+i), 1, propCmd, g, 3, false)))
	}
	for i := 0; len(p.stored) > p.deadOnly(); i++ {
		if i > 100_000 {
			p.t.Fatalf("%d messages left in the store after %d steps of the drain", len(p.stored), i)
		}
		if len(p.reads) > 0 {
			p.serveRead(0)
			continue
		}
		if len(p.held) == 0 {
			p.now = p.now.Add(2 * time.Second) // leases of gone consumers, retry delays
			p.apply(p.r.Tick(p.now))
			continue
		}
		d := p.held[0]
		p.held = p.held[1:]
		if d.Conn < 50 {
			continue // a consumer of the run: its lease ends its delivery
		}
		acts, err := p.r.Answer(p.now, d.Conn, d.Msg.ID, d.Attempt, router.Reply, nil)
		if err != nil {
			continue
		}
		p.finished[d.Group][d.Msg.ID] = true
		p.apply(acts)
	}
	for _, g := range propGroups {
		for _, id := range p.sent {
			if !p.finished[g][id] && !p.dead[g][id] && !p.mayGo[id] && p.takes(g, id) {
				p.t.Fatalf("group %q never finished message %d", g, pubNo(id))
			}
		}
	}
	for id, n := range p.results {
		if n > 1 {
			p.t.Fatalf("request %x got %d results, want 1", id[14:], n)
		}
		if n == 0 && !p.mayGo[id] {
			p.t.Fatalf("request %x got no result", id[14:])
		}
	}
	if n := p.r.QueueLen(propCmd); n != 0 {
		p.t.Fatalf("QueueLen %d after the drain, want 0", n)
	}
}

// deadOnly is how many stored messages wait only as dead letters: each
// group has finished it, dead-lettered it, acked it otherwise (an expired
// or purged copy), or does not take it.
func (p *restartProp) deadOnly() int {
	n := 0
	groups := p.r.Groups(propCmd)
	for _, st := range p.stored {
		left := false
		for _, g := range groups {
			id := st.m.ID
			left = left || (!p.finished[g][id] && !p.dead[g][id] && !slices.Contains(st.acked, g) && p.takes(g, id))
		}
		if !left {
			n++
		}
	}
	return n
}

// allowed reports whether result a is one the run may give: a reply or a
// dead letter, or the end of a message that may go.
func (p *restartProp) allowed(a router.Action) bool {
	switch a.Code {
	case router.ResultOK, router.ResultDeadLetter:
		return true
	case router.ResultTimeout, router.ResultPurged:
		return p.mayGo[a.Msg.ID]
	}
	return false
}

// pubNo is the publish order of a message of the run (its ID's low bytes):
// a restart can give a Seq again once no message of it is stored.
func pubNo(id router.ID) uint64 { return uint64(id[14])<<8 | uint64(id[15]) }
