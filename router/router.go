package router

import "time"

// Router routes messages of all commands. Create one with New, rebuild it
// with the Restore methods, then drive it with events.
//
// A Router is not safe for concurrent use: the caller serializes all calls
// (the broker holds one mutex). The []Action a method returns is valid
// until the next call on the Router.
type Router struct {
	cfg Config

	commands  map[string]*command
	conns     map[ConnID]*conn
	producers map[string]*conn        // address -> its most recently connected conn
	live      map[ID]*msgState        // admitted messages not yet finished
	dedup     map[dedupKey]dedupRef   // by producer and ID
	mailbox   map[string][]*mailEntry // producer address -> results waiting

	leases    heap[*item]     // in-flight items by lease end
	delayed   heap[*item]     // retried items by ready time
	deadlines heap[*msgState] // messages with a deadline, by deadline
	// tailRecs holds the records of the requests and messages with a
	// deadline that wait in a tail, by producer and ID; tailDeadlines
	// those with a deadline, by deadline.
	tailRecs      tailIndex
	tailDeadlines heap[*tailRec]
	dedupExp      heap[*dedupEntry]
	plainExp      plainFIFO // the plain IDs of dedup
	tailDedup     int       // IDs of dedup that stand for messages in a tail (marked plain IDs and entries with tail set)
	loading       bool      // Load is placing a page: its payloads are kept
	mailExp       heap[*mailEntry]

	// lastSeq holds the last Seq of the commands the router does not
	// hold (forgotten as idle, or restored with no message): a command
	// made again continues after it, since a Seq the store has finished
	// would be stored apart from the queue's order. The store keeps their
	// names as long.
	lastSeq map[string]uint64

	// resulted and resultedRecs hold the messages whose producer got its
	// result in this event (see keepResults).
	resulted     []*msgState
	resultedRecs []*tailRec

	// lastErr holds the reason of the last Retry answer of items that
	// still wait for a delivery or sit in a dead-letter queue.
	lastErr map[*item]string
	// nextSweep is when Tick next looks for idle commands (unix ns); 0:
	// not scheduled.
	nextSweep int64

	acts  []Action
	dirty []*group // groups to dispatch before the event returns
	// parked holds the stored messages that wait for their ID to be
	// free, by ID, in the order they came; freed lists the IDs freed
	// during the event that some wait for.
	parked  map[ID][]*parked
	freed   []ID
	restore *restoreState // state given to Restore*, placed at the first event
	carry   []Action      // actions of the restore, returned by the first event
}

// New returns an empty Router with cfg's limits; zero or negative fields
// take their defaults.
func New(cfg Config) *Router {
	r := &Router{
		cfg:       withDefaults(cfg),
		commands:  make(map[string]*command),
		conns:     make(map[ConnID]*conn),
		producers: make(map[string]*conn),
		live:      make(map[ID]*msgState),
		dedup:     make(map[dedupKey]dedupRef),
		mailbox:   make(map[string][]*mailEntry),
		lastErr:   make(map[*item]string),
		tailRecs:  newTailIndex(),
	}
	r.leases = heap[*item]{less: byWhen, setIndex: setItemIndex}
	r.delayed = heap[*item]{less: byWhen, setIndex: setItemIndex}
	r.deadlines = heap[*msgState]{less: byDeadline, setIndex: setDeadlineIndex}
	r.tailDeadlines = heap[*tailRec]{less: byTailDeadline, setIndex: setTailDeadlineIndex}
	r.dedupExp = heap[*dedupEntry]{less: dedupBefore, setIndex: setDedupIndex}
	r.mailExp = heap[*mailEntry]{less: mailBefore, setIndex: setMailIndex}
	return r
}

func withDefaults(c Config) Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxQueueLen <= 0 {
		c.MaxQueueLen = DefaultMaxQueueLen
	}
	if c.MaxQueueBytes <= 0 {
		c.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = DefaultMaxDeliveries
	}
	if c.MaxDedup <= 0 {
		c.MaxDedup = DefaultMaxDedup
	}
	def(&c.Lease, DefaultLease)
	def(&c.DedupWindow, DefaultDedupWindow)
	def(&c.MailboxTTL, DefaultMailboxTTL)
	def(&c.RetryDelay, DefaultRetryDelay)
	def(&c.MaxRetryDelay, DefaultMaxRetryDelay)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	return c
}

// begin starts an event: it resets the action list, placing restored state
// first if this is the first event.
func (r *Router) begin() {
	// Entries past the length keep pointers alive: a big event's are
	// dropped or cleared, a small event's (at most 64) stay until reused.
	switch {
	case cap(r.acts) > 4096:
		r.acts = nil
	case len(r.acts) > 64:
		clear(r.acts)
		fallthrough
	default:
		r.acts = r.acts[:0]
	}
	r.settle()
	if r.carry != nil {
		r.acts = append(r.acts, r.carry...)
		r.carry = nil
	}
}

// settle places restored state, if any is waiting.
func (r *Router) settle() {
	if r.restore != nil {
		r.finishRestore()
	}
}

func (r *Router) emit(a Action) { r.acts = append(r.acts, a) }

// markDirty queues g for dispatch at the end of the event.
func (r *Router) markDirty(g *group) {
	if !g.dirty && !g.removed {
		g.dirty = true
		r.dirty = append(r.dirty, g)
	}
}

// flush dispatches the dirty groups and returns the event's actions.
func (r *Router) flush(now time.Time) []Action {
	t := now.UnixNano()
	for {
		if len(r.freed) > 0 {
			r.unpark(t)
		}
		for i := 0; i < len(r.dirty); i++ {
			g := r.dirty[i]
			g.dirty = false
			if !g.removed {
				r.dispatch(t, g)
			}
			r.dirty[i] = nil
		}
		r.dirty = r.dirty[:0]
		if len(r.freed) == 0 { // a dispatch may free an ID (an expiry)
			break
		}
	}
	r.keepResults()
	return r.acts
}

// QueueLen returns how many messages of command are not yet finished by
// every group that got them: pending or in flight in some group. Dead
// letters are not counted.
func (r *Router) QueueLen(command string) int {
	r.settle()
	if cmd := r.commands[command]; cmd != nil {
		return cmd.active
	}
	return 0
}

// NextDeadline returns the earliest time at which Tick has work: a lease
// end, a retry delay, a message deadline, a mailbox or dedup expiry, the
// next look for idle commands. It is the zero Time when there is none.
func (r *Router) NextDeadline() time.Time {
	r.settle()
	var next int64
	found := false
	consider := func(t int64) {
		if !found || t < next {
			next, found = t, true
		}
	}
	if r.leases.len() > 0 {
		consider(r.leases.top().when)
	}
	if r.delayed.len() > 0 {
		consider(r.delayed.top().when)
	}
	if r.deadlines.len() > 0 {
		consider(r.deadlines.top().deadline())
	}
	if r.tailDeadlines.len() > 0 {
		consider(r.tailDeadlines.top().deadline)
	}
	if r.mailExp.len() > 0 {
		consider(r.mailExp.top().expires)
	}
	if _, ref, ok := r.firstDedup(); ok {
		consider(ref.expires)
	}
	if r.nextSweep != 0 {
		consider(r.nextSweep)
	}
	if !found {
		return time.Time{}
	}
	return time.Unix(0, next)
}
