package router_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/router"
)

// TestPagingDifferential drives two routers with the same random events:
// one keeps every payload in memory (the reference), the other pages
// payloads out past a few messages per command and has each ActFetch
// served from its stored payloads before the next event. After every
// event both must have taken the same actions (deliveries with the same
// payloads, acks, results, dead letters...), fetches aside, and hold the
// same counts.
func TestPagingDifferential(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			newDiffer(t, seed, false).run(2000)
		})
	}
}

// TestWindowDifferential is TestPagingDifferential with windows of 4
// messages per command as well: messages past the window (sends,
// requests, messages with a deadline) stay in the store and come back
// with ActLoad, served from the store before the next event; some expire
// or are cancelled there, and queues are purged now and then. A group
// left without subscribers puts its copies past its window in its back,
// read back with ActLoadBack.
func TestWindowDifferential(t *testing.T) {
	// Seed 11 expires a message whose groups' acks the two routers give
	// Last in a different order.
	for _, seed := range []int64{1, 2, 3, 11} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			d := newDiffer(t, seed, true)
			d.run(3000)
			if d.loaded < 100 || d.backLoaded < 10 {
				t.Fatalf("only %d messages loaded, %d of them from a group's back: the queues did not pass their windows", d.loaded, d.backLoaded)
			}
		})
	}
}

type differ struct {
	t          *testing.T
	rnd        *rand.Rand
	now        time.Time
	ref, pg    *router.Router
	ids        uint64
	stored     map[router.ID][]byte         // the paged router's store: committed, unfinished payloads
	refStored  map[router.ID][]byte         // the reference's
	byCmd      map[string][]*router.Message // the paged router's messages, in Seq order
	held       []router.Action              // the reference's deliveries, some stale
	fetched    int
	windowed   bool               // the paged router has windows; purges
	requests   []router.ID        // the IDs of the requests published, in order
	loaded     int                // messages the paged router loaded
	backLoaded int                // of them, in pages of a group's back
	backRead   map[router.ID]bool // the messages of those pages
	refMsgs    map[router.ID]*router.Message
	pageMsgs   map[router.ID]*router.Message
	acked      map[router.ID][]string       // the paged router's store: the groups done with a message
	tries      map[router.ID]map[string]int // and its deliveries by group
}

func newDiffer(t *testing.T, seed int64, windowed bool) *differ {
	cfg := router.Config{MaxQueueLen: 60, Lease: 5 * time.Second, MaxDeliveries: 3,
		RetryDelay: 100 * time.Millisecond, MaxRetryDelay: time.Second}
	if windowed {
		// A paged message's ID is remembered for DedupWindow from its
		// publish, a queued one's for as long as it is queued: a window
		// longer than the run keeps the two alike.
		cfg.DedupWindow = time.Hour
	}
	paged := cfg
	paged.ResidentBytes = 30
	if windowed {
		paged.Window = 4
	}
	d := &differ{windowed: windowed, t: t, rnd: rand.New(rand.NewSource(seed)), now: t0,
		ref: router.New(cfg), pg: router.New(paged),
		stored: make(map[router.ID][]byte), refStored: make(map[router.ID][]byte), byCmd: make(map[string][]*router.Message),
		refMsgs: make(map[router.ID]*router.Message), pageMsgs: make(map[router.ID]*router.Message),
		acked: make(map[router.ID][]string), tries: make(map[router.ID]map[string]int), backRead: make(map[router.ID]bool)}
	d.same("connect", d.ref.Connect(t0, producerConn, "p"), nil, d.pg.Connect(t0, producerConn, "p"), nil)
	return d
}

// producerConn is the connection that publishes and cancels.
const producerConn router.ConnID = 1

func (d *differ) pick(n int) int { return d.rnd.Intn(n) }

func (d *differ) run(steps int) {
	for range steps {
		d.now = d.now.Add(time.Duration(d.pick(300)) * time.Millisecond)
		d.step()
	}
	// Loaded pages keep their payloads: with windows, fewer are fetched.
	if want := map[bool]int{false: 50, true: 20}[d.windowed]; d.fetched < want {
		d.t.Fatalf("only %d payloads fetched: the queues did not page", d.fetched)
	}
}

func (d *differ) step() {
	cmds, groups := []string{"a", "b"}, []string{router.DefaultGroup, "g1"}
	conn := router.ConnID(10 + d.pick(4))
	switch n := d.pick(100); {
	case n < 40:
		cmd := cmds[d.pick(2)]
		d.ids++
		id := router.ID{}
		id[15], id[14] = byte(d.ids), byte(d.ids>>8)
		data := make([]byte, d.pick(12))
		d.rnd.Read(data)
		var deadline time.Time
		if d.pick(3) == 0 {
			deadline = d.now.Add(time.Duration(d.pick(15000)) * time.Millisecond)
		}
		rm := &router.Message{ID: id, Command: cmd, From: "p", Request: d.pick(2) == 0, Deadline: deadline, Data: slices.Clone(data)}
		pm := &router.Message{ID: id, Command: cmd, From: "p", Request: rm.Request, Deadline: deadline, Data: slices.Clone(data)}
		ra, rerr := d.ref.Admit(d.now, producerConn, rm)
		pa, perr := d.pg.Admit(d.now, producerConn, pm)
		d.same("admit", ra, rerr, pa, perr)
		if rerr != nil {
			return
		}
		d.stored[id], d.refStored[id] = data, data
		if rm.Request {
			d.requests = append(d.requests, id)
		}
		d.byCmd[cmd] = append(d.byCmd[cmd], pm)
		d.refMsgs[id], d.pageMsgs[id] = rm, pm
		d.same("commit", d.ref.Commit(d.now, rm), nil, d.pg.Commit(d.now, pm), nil)
	case n < 50:
		sub, cmd, g, credit := uint32(1+d.pick(2)), cmds[d.pick(2)], groups[d.pick(2)], 1+d.pick(3)
		ra, rerr := d.ref.Subscribe(d.now, conn, sub, cmd, g, credit, false)
		pa, perr := d.pg.Subscribe(d.now, conn, sub, cmd, g, credit, false)
		d.same("subscribe", ra, rerr, pa, perr)
	case n < 55:
		sub := uint32(1 + d.pick(2))
		ra, rerr := d.ref.Unsubscribe(d.now, conn, sub)
		pa, perr := d.pg.Unsubscribe(d.now, conn, sub)
		d.same("unsubscribe", ra, rerr, pa, perr)
	case n < 83:
		if len(d.held) == 0 {
			return
		}
		i := d.pick(len(d.held))
		h := d.held[i]
		d.held = slices.Delete(d.held, i, i+1)
		kind := []router.AnswerKind{router.Reply, router.Reply, router.Fail, router.Retry}[d.pick(4)]
		ra, rerr := d.ref.Answer(d.now, h.Conn, h.Msg.ID, h.Attempt, kind, []byte("r"))
		pa, perr := d.pg.Answer(d.now, h.Conn, h.Msg.ID, h.Attempt, kind, []byte("r"))
		if errors.Is(rerr, router.ErrStaleAttempt) && errors.Is(perr, router.ErrUnknownID) && (!d.pg.IsLive(h.Msg.ID) || d.backRead[h.Msg.ID]) {
			// The paged router left the message, which only a group's
			// back still held, to the store: to the consumer of another
			// group it is gone, as a finished one is, also once read
			// back for that group.
			perr = rerr
		}
		d.same("answer", ra, rerr, pa, perr)
	case n < 85:
		if len(d.requests) == 0 {
			return
		}
		id := d.requests[len(d.requests)-1-d.pick(min(len(d.requests), 20))]
		ra, rerr := d.ref.Cancel(d.now, producerConn, id)
		pa, perr := d.pg.Cancel(d.now, producerConn, id)
		d.same("cancel", ra, rerr, pa, perr)
	case n < 88:
		d.same("disconnect", d.ref.Disconnect(d.now, conn), nil, d.pg.Disconnect(d.now, conn), nil)
	case n < 96:
		d.now = d.now.Add(time.Duration(d.pick(8000)) * time.Millisecond)
		d.same("tick", d.ref.Tick(d.now), nil, d.pg.Tick(d.now), nil)
	case n < 98 && d.windowed:
		cmd := cmds[d.pick(2)]
		ra, rn, rerr := d.ref.PurgeQueue(d.now, cmd)
		pa, pn, perr := d.pg.PurgeQueue(d.now, cmd)
		if rn != pn {
			d.t.Fatalf("purge: reference removed %d copies, paged %d", rn, pn)
		}
		d.same("purge", ra, rerr, pa, perr)
	default:
		cmd := cmds[d.pick(2)]
		ra, _ := d.ref.Replay(d.now, cmd, nil)
		pa, _ := d.pg.Replay(d.now, cmd, nil)
		d.same("replay", ra, nil, pa, nil)
	}
}

// same serves the paged router's fetches, then compares the two routers'
// actions and errors for one event.
func (d *differ) same(op string, ra []router.Action, rerr error, pa []router.Action, perr error) {
	d.t.Helper()
	ref := d.describe(ra)
	all := slices.Clone(pa)
	for i := 0; i < len(all); i++ {
		switch a := all[i]; a.Kind {
		case router.ActFetch:
			all = append(all, d.serve(a)...)
		case router.ActLoad, router.ActLoadBack:
			all = append(all, d.load(a)...)
		}
	}
	got := d.describe(all)
	if op == "purge" {
		// The paged router deletes its tail with one ActPurge, the
		// reference every message with an ack: the stores are compared
		// below instead.
		isAck := func(s string) bool {
			return strings.HasPrefix(s, fmt.Sprint(router.ActAck, " ")) || strings.HasPrefix(s, "deleted ")
		}
		ref, got = slices.DeleteFunc(ref, isAck), slices.DeleteFunc(got, isAck)
	}
	if fmt.Sprint(rerr) != fmt.Sprint(perr) || !slices.Equal(ref, got) {
		d.t.Fatalf("%s: reference %v %v\npaged     %v %v", op, rerr, ref, perr, got)
	}
	for _, a := range ra {
		if a.Kind == router.ActDeliver {
			d.held = append(d.held, a)
		}
	}
	for _, a := range ra {
		if a.Kind == router.ActAck && a.Last {
			delete(d.refStored, a.Msg.ID)
		}
	}
	for _, a := range all {
		switch {
		case a.Kind == router.ActAck && a.Last:
			delete(d.stored, a.Msg.ID)
			delete(d.acked, a.Msg.ID)
			delete(d.tries, a.Msg.ID)
		case a.Kind == router.ActAck:
			d.acked[a.Msg.ID] = append(d.acked[a.Msg.ID], a.Group)
		case a.Kind == router.ActAttempt:
			if d.tries[a.Msg.ID] == nil {
				d.tries[a.Msg.ID] = make(map[string]int)
			}
			d.tries[a.Msg.ID][a.Group] = a.Attempt
		case a.Kind == router.ActPurge:
			for _, m := range d.byCmd[a.Msg.Command] {
				if _, kept := slices.BinarySearch(a.Purge.Keep, m.Seq); m.Seq >= a.Purge.From && m.Seq <= a.Purge.To && !kept {
					delete(d.stored, m.ID)
				}
			}
		}
	}
	if !maps.EqualFunc(d.stored, d.refStored, func([]byte, []byte) bool { return true }) {
		d.t.Fatalf("%s: the paged router's store holds %d messages, the reference's %d", op, len(d.stored), len(d.refStored))
	}
	if rs, ps := d.ref.Stats(), d.pg.Stats(); rs != ps {
		d.t.Fatalf("%s: reference stats %+v, paged %+v", op, rs, ps)
	}
	if err := d.pg.CheckInvariants(); err != nil {
		d.t.Fatalf("%s: paged router: %v", op, err)
	}
}

// serve answers a fetch as the broker would from the store.
func (d *differ) serve(a router.Action) []router.Action {
	var page []router.Payload
	for _, m := range d.byCmd[a.Msg.Command] {
		if data, ok := d.stored[m.ID]; ok && m.Seq >= a.Msg.Seq && len(page) < a.Attempt {
			page = append(page, router.Payload{ID: m.ID, Seq: m.Seq, Data: data})
		}
	}
	d.fetched += len(page)
	return slices.Clone(d.pg.Fill(d.now, a.Msg.Command, page))
}

// load answers an ActLoad or an ActLoadBack as the broker would from the
// store, with the groups done with each message and its deliveries.
func (d *differ) load(a router.Action) []router.Action {
	var page []router.Stored
	for _, m := range d.byCmd[a.Msg.Command] {
		if data, ok := d.stored[m.ID]; ok && m.Seq >= a.Msg.Seq && len(page) < a.Attempt {
			c := *m
			c.Data = data
			page = append(page, router.Stored{Msg: &c, AckedBy: slices.Clone(d.acked[m.ID]), Attempts: maps.Clone(d.tries[m.ID])})
		}
	}
	d.loaded += len(page)
	if a.Kind == router.ActLoadBack {
		d.backLoaded += len(page)
		for _, s := range page {
			d.backRead[s.Msg.ID] = true
		}
		return slices.Clone(d.pg.LoadBack(d.now, a.Msg.Command, a.Group, a.Msg.Seq, page, a.Attempt, true))
	}
	return slices.Clone(d.pg.Load(d.now, a.Msg.Command, page, a.Attempt, true))
}

// describe lists an event's actions but fetches, in a canonical order.
// Which of a message's acks in one event carries Last (deleting it) is
// left out: the store applies an event's acks at once, and the two
// routers may order the groups' acks differently; how many Last acks
// each message got in the event is listed instead.
func (d *differ) describe(acts []router.Action) []string {
	var out []string
	deleted := make(map[router.ID]int)
	for _, a := range acts {
		if a.Kind == router.ActAck && a.Last {
			deleted[a.Msg.ID]++
			a.Last = false
		}
		if a.Kind == router.ActFetch || a.Kind == router.ActLoad || a.Kind == router.ActLoadBack || a.Kind == router.ActPurge {
			continue
		}
		code := a.Code
		if a.Kind == router.ActDeadLetter {
			code = 0 // the result, if set, depends on the order of the groups' dead letters in one event
		}
		s := fmt.Sprintf("%d c%d s%d %x/%d g%q a%d last%v code%d data%q", a.Kind, a.Conn, a.SubID, a.Msg.ID[14:], a.Msg.Seq, a.Group, a.Attempt, a.Last, code, a.Data)
		if a.Kind == router.ActDeliver || a.Kind == router.ActDeadLetter {
			s += fmt.Sprintf(" payload%q", a.Msg.Data)
		}
		out = append(out, s)
	}
	for id, n := range deleted {
		out = append(out, fmt.Sprintf("deleted %x by %d Last acks", id[14:], n))
	}
	slices.Sort(out)
	return out
}
