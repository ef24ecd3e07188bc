package router

import (
	"slices"
	"time"
)

// tail counts the committed messages of a command that are past its
// window: they are in the store only, fresh in every group their seq
// belongs to, and read back with ActLoad, in Seq order, as the window
// empties. Every undone message of the command with Seq at or above from
// and committed while the tail was non-empty is in it.
type tail struct {
	from    uint64 // the Seq the next ActLoad reads from
	n       int    // messages in the tail
	bytes   int64  // their payload bytes
	last    uint64 // the largest Seq counted in the tail
	loading bool   // an ActLoad waits for its Load
	asked   int    // n when that ActLoad was emitted

	// answers counts the requests of the tail still owed a result, by
	// answer group (see tailRec).
	answers map[string]int
	// gone holds the Seqs of messages from the tail's start on that were
	// deleted: tail messages that expired or were cancelled there, and
	// messages that went ahead of the tail and finished. A page read
	// before a deletion may still bring its message, and is to skip it.
	gone seqSet
}

// pruneGone forgets the deleted Seqs no page can bring any more: those
// below from, or all of them once no read is under way and nothing is
// left to read.
func (t *tail) pruneGone() { t.gone.prune(t.from, t.n == 0 && !t.loading) }

// skip has pages skip message seq, which was deleted.
func (t *tail) skip(seq uint64) { t.gone.add(seq) }

// skips reports whether a page is to skip message seq: it was deleted.
func (t *tail) skips(seq uint64) bool { return t.gone.has(seq) }

// seqSet is a set of message Seqs.
type seqSet map[uint64]struct{}

func (s *seqSet) add(seq uint64) {
	if *s == nil {
		*s = make(seqSet)
	}
	(*s)[seq] = struct{}{}
}

func (s seqSet) has(seq uint64) bool {
	_, ok := s[seq]
	return ok
}

// prune drops the Seqs below from, or every Seq with all set.
func (s *seqSet) prune(from uint64, all bool) {
	if len(*s) == 0 {
		return
	}
	if all {
		*s = nil
		return
	}
	for seq := range *s {
		if seq < from {
			delete(*s, seq)
		}
	}
}

// Stored is a message read back from the store for Load, as the store's
// Load gives it: the groups done with it and its deliveries per group.
type Stored struct {
	Msg      *Message
	AckedBy  []string
	Attempts map[string]int
}

// pageable reports whether the committed message ms may go to its
// command's tail instead of memory at now: windows are on, the message is
// neither cancelled nor expired, a request's answer group exists, its
// command's window is full or its tail non-empty, and ms comes after the
// tail's start and, starting a tail, after a group's back.
func (r *Router) pageable(now int64, cmd *command, ms *msgState) bool {
	w := r.cfg.Window
	if w <= 0 || ms.cancelled || ms.expiredAt(now) || (ms.msg.Request && cmd.group(ms.msg.AnswerGroup) == nil) {
		return false
	}
	if cmd.tail.n > 0 {
		return ms.msg.Seq >= cmd.tail.from
	}
	if b := cmd.backing; b != nil && ms.msg.Seq <= b.back.last {
		return false // committed late, into a back's range: a tail starts past the back
	}
	return ms.msg.Seq > cmd.tail.last && cmd.active >= w && !cmd.hasFreeCredit()
}

// toTail counts the committed message ms, which pageable accepted, in its
// command's tail and forgets its state but for a request's or a deadline's
// record (tailRec). The record, or else the dedup window for
// Config.DedupWindow from now, keeps its ID.
func (r *Router) toTail(now int64, cmd *command, ms *msgState) {
	r.countTail(cmd, ms, nil)
	r.freeID(ms.msg.ID)
	if !r.indexTail(cmd, ms.msg, ms.size, nil) { // a record stands for its ID
		r.rememberTail(cmd, dedupKey{ms.msg.From, ms.msg.ID}, now+int64(r.cfg.DedupWindow))
	}
}

// pastWindow reports whether a message of command restored now goes to
// the command's tail: its tail has begun, or RestoreHead(Config.Window)
// of its messages were restored before it.
func (r *Router) pastWindow(rs *restoreState, command string) bool {
	cmd := r.commands[command]
	return (cmd != nil && cmd.tail.n > 0) || rs.kept[command] >= RestoreHead(r.cfg.Window)
}

// restoreToTail counts the restored message m, which the groups of
// ackedBy are done with, in its command's tail.
func (r *Router) restoreToTail(m *Message, ackedBy []string) {
	cmd := r.command(m.Command)
	cmd.nextSeq = max(cmd.nextSeq, m.Seq)
	size := int32(min(len(m.Data), 1<<31-1))
	r.countTail(cmd, &msgState{msg: m, cmd: cmd, size: size}, ackedBy)
	cmd.tail.from = min(cmd.tail.from, m.Seq) // a late one (Restore) comes after later ones
	r.indexTail(cmd, m, size, slices.Clip(ackedBy))
}

// defaultTailGroups gives each restored command that has a tail and no
// group its default group, announced, which takes the tail.
func (r *Router) defaultTailGroups() {
	names := make([]string, 0)
	for name, cmd := range r.commands {
		if cmd.tail.n > 0 && len(cmd.groups) == 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		cmd := r.commands[name]
		g := cmd.addGroup(DefaultGroup, false)
		g.tailN = cmd.tail.n
		r.announce(g)
	}
}

// countTail adds ms, which the groups of done are done with, to its
// command's tail counts.
func (r *Router) countTail(cmd *command, ms *msgState, done []string) {
	if cmd.tail.n == 0 {
		cmd.tail.from = ms.msg.Seq
	}
	cmd.tail.n++
	cmd.countTailGroups(ms.msg.Seq, 1, done)
	cmd.tail.last = max(cmd.tail.last, ms.msg.Seq)
	cmd.tail.bytes += ms.bytes()
	cmd.active++
	cmd.activeBytes += ms.bytes()
}

// load asks the broker for the next page of g's back or, when its back is
// empty, of cmd's tail (ActLoad) when g, which has subscribers, has
// nothing to deliver now, or no more than three quarters of Config.Window
// queued (Config.Window less RestoreHead) while its command holds less
// than half of Config.ResidentBytes of payloads; and no load of the same
// is under way.
// The page tops g's queue up to Config.Window, or takes half of it
// (pageLen), so that g holds at most about 1.25 Config.Window messages,
// not a window and a page (the command's other groups take the same page
// on top of their queues).
func (r *Router) load(g *group) {
	cmd := g.cmd
	if len(g.subs) == 0 || (cmd.tail.n == 0 && g.back.pending() == 0) {
		return
	}
	full := g.queued > r.cfg.Window-RestoreHead(r.cfg.Window) || (r.cfg.ResidentBytes > 0 && cmd.residentBytes >= r.cfg.ResidentBytes/2)
	if full && g.head() != nil {
		return
	}
	if g.back.pending() > 0 {
		r.loadBack(g)
		return
	}
	if cmd.tail.loading {
		return
	}
	cmd.tail.loading = true
	cmd.tail.asked = cmd.tail.n
	r.emit(Action{Kind: ActLoad, Msg: &Message{Command: cmd.name, Seq: cmd.tail.from}, Attempt: r.pageLen(g, cmd.tail.n, cmd.tail.bytes)})
}

// minPage is the least a page of a tail or a back asks for (but for the
// bound of Config.ResidentBytes): half of Config.Window. Each read of the
// store costs about the same whatever its length, so pages are not made
// smaller than that to keep a group's queue at the window.
func (r *Router) minPage() int { return max(r.cfg.Window/2, 1) }

// pageLen is how many messages an ActLoad of a tail or a back of n
// messages in the store, with payloads of bytes, asks for on behalf of g:
// what g's queue lacks of Config.Window (at least minPage), or fewer when
// their payloads, at their average size, would pass half of
// Config.ResidentBytes. A page's payloads stay in memory (Load does not
// page them out).
func (r *Router) pageLen(g *group, n int, bytes int64) int {
	k := max(r.cfg.Window-g.queued, r.minPage())
	if r.cfg.ResidentBytes > 0 && bytes > 0 {
		avg := max(bytes/int64(n), 1)
		k = int(min(max(r.cfg.ResidentBytes/2/avg, 1), int64(k)))
	}
	return k
}

// Load hands back the page of command's tail an ActLoad asked for: msgs
// in Seq order as the store holds them, ok set when the read succeeded
// (a page shorter than asked for then ends the tail). It places the
// messages in their groups and dispatches them. A message that is not in
// the tail (below its start, or known to the router) is ignored. On a
// failed read (ok unset) the next dispatch asks again.
func (r *Router) Load(now time.Time, command string, msgs []Stored, limit int, ok bool) []Action {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil || !cmd.tail.loading {
		return r.flush(now)
	}
	cmd.tail.loading = false
	if !ok {
		return r.flush(now)
	}
	placed := 0
	for _, s := range msgs {
		m := s.Msg
		if cmd.tail.n == 0 || m.Seq < cmd.tail.from {
			continue
		}
		cmd.tail.from = m.Seq + 1
		if cmd.tail.skips(m.Seq) { // deleted
			continue
		}
		live := r.live[m.ID]
		if live != nil && live.cmd == cmd && live.msg.Seq == m.Seq { // went ahead of the tail, or not yet committed
			continue
		}
		rec := r.tailRecs.get(dedupKey{m.From, m.ID})
		if rec != nil && (rec.cmd != cmd || rec.seq != m.Seq) {
			rec = nil
		}
		if live != nil && rec != nil {
			// Another message holds its ID, and its record its deadline,
			// cancel and result: it stays in the tail's counts, left to
			// its record (its timeout), as a deleted one would be.
			continue
		}
		placed++
		var res *dedupEntry
		if rec != nil {
			res = rec.result()
			r.unindexTail(rec)
		}
		cmd.countTailGroups(m.Seq, -1, s.AckedBy)
		cmd.tail.n--
		cmd.tail.bytes -= int64(len(m.Data))
		if live != nil { // another message holds its ID (rec is nil: a plain send)
			r.park(cmd, s, cmd.takers(m.Seq, s.AckedBy), nil)
			continue
		}
		r.placeStored(now.UnixNano(), cmd, s, res)
	}
	if lost := min(cmd.tail.asked-placed, cmd.tail.n); len(msgs) < limit && lost > 0 {
		// The store holds no more of those counted before the ActLoad:
		// forget them (those counted since may be past the page).
		b := cmd.tail.bytes * int64(lost) / int64(cmd.tail.n)
		cmd.tail.n -= lost
		cmd.tail.bytes -= b
		cmd.active -= lost
		cmd.activeBytes -= b
		for _, g := range cmd.groups {
			g.tailN = min(g.tailN, cmd.tail.n)
		}
		r.forgetLostRecs(cmd)
	}
	cmd.tail.pruneGone()
	for _, g := range cmd.groups {
		r.markDirty(g)
	}
	return r.flush(now)
}

// tailPending is how many copies g gets that wait in the store: those of
// its command's tail, those of its back and those parked for it.
func (g *group) tailPending() int { return g.tailN + g.back.pending() + g.parked }

// countTailGroups adds d to the tail counts of the groups that take
// message seq, but for those of done, which are done with it.
func (cmd *command) countTailGroups(seq uint64, d int, done []string) {
	for _, g := range cmd.groups {
		if g.waitsFor(seq, done) {
			g.tailN = max(g.tailN+d, 0)
		}
	}
}

// takers returns the groups that take message seq, but those of done,
// which are done with it.
func (cmd *command) takers(seq uint64, done []string) []*group {
	var out []*group
	for _, g := range cmd.groups {
		if g.waitsFor(seq, done) {
			out = append(out, g)
		}
	}
	return out
}

// waitsFor reports whether g takes message seq and is not among the
// groups of done, which are done with it.
func (g *group) waitsFor(seq uint64, done []string) bool {
	return g.takes(seq) && !slices.Contains(done, g.name)
}
