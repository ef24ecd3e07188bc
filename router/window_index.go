package router

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"time"
)

// tailRec is what the router keeps in memory of a request or a message
// with a deadline while it waits in its command's tail: enough to time it
// out, cancel it, give its producer a result and recognise a duplicate
// publish without reading it back from the store.
//
// A backlog of requests holds one per request, so it is kept to 96 bytes:
// what few records have is in more.
type tailRec struct {
	key         dedupKey
	cmd         *command
	answerGroup string       // a request's answer group
	more        *tailRecMore // nil: none of it
	seq         uint64
	deadline    int64 // unix ns; 0: none
	size        int32
	idx         int32 // index in the router's tail deadline heap; -1: none
	request     bool
}

// tailRecMore is what few tail records have.
type tailRecMore struct {
	done   []string    // groups done with it (restored)
	res    *dedupEntry // the result its producer got
	sameID *tailRec    // the next record of its ID, another producer's (tailIndex)
}

// extra returns rec's more, made if it has none.
func (rec *tailRec) extra() *tailRecMore {
	if rec.more == nil {
		rec.more = new(tailRecMore)
	}
	return rec.more
}

// done returns the groups done with rec's message (restored), usually none.
func (rec *tailRec) done() []string {
	if rec.more == nil {
		return nil
	}
	return rec.more.done
}

// result returns the result rec's producer got; nil until then.
func (rec *tailRec) result() *dedupEntry {
	if rec.more == nil {
		return nil
	}
	return rec.more.res
}

// nextSameID returns the record after m's in its ID's chain, or nil.
func (m *tailRecMore) nextSameID() *tailRec {
	if m == nil {
		return nil
	}
	return m.sameID
}

func byTailDeadline(a, b *tailRec) bool      { return a.deadline < b.deadline }
func setTailDeadlineIndex(x *tailRec, i int) { x.idx = int32(i) }

// indexTail keeps a record of m, counted in cmd's tail with the groups of
// done done with it, when it is a request or has a deadline, and reports
// whether it did. The record stands for m's ID in the dedup window while
// m is in the tail.
func (r *Router) indexTail(cmd *command, m *Message, size int32, done []string) bool {
	if !m.Request && m.Deadline.IsZero() {
		return false
	}
	rec := &tailRec{key: dedupKey{m.From, m.ID}, cmd: cmd, seq: m.Seq, size: size, idx: -1,
		request: m.Request, answerGroup: m.AnswerGroup}
	if len(done) > 0 {
		rec.extra().done = done
	}
	if !m.Deadline.IsZero() {
		rec.deadline = m.Deadline.UnixNano()
		r.tailDeadlines.push(rec)
	}
	if old := r.tailRecs.put(rec); old != nil {
		r.unindexTail(old)
	}
	if rec.pendingAnswer() {
		if cmd.tail.answers == nil {
			cmd.tail.answers = make(map[string]int)
		}
		cmd.tail.answers[rec.answerGroup]++
	}
	return true
}

// pendingAnswer reports whether rec is a request still owed its result.
func (rec *tailRec) pendingAnswer() bool { return rec.request && rec.result() == nil }

// unindexTail forgets rec.
func (r *Router) unindexTail(rec *tailRec) {
	r.tailRecs.remove(rec)
	if rec.idx >= 0 {
		r.tailDeadlines.remove(int(rec.idx))
	}
	if rec.pendingAnswer() {
		rec.cmd.tail.uncountAnswer(rec.answerGroup)
	}
}

// uncountAnswer takes one request owed a result by group from the count.
func (t *tail) uncountAnswer(group string) {
	if t.answers[group]--; t.answers[group] <= 0 {
		delete(t.answers, group)
	}
}

// tailMessage is the message rec stands for, without its payload.
func (rec *tailRec) tailMessage() *Message {
	m := &Message{ID: rec.key.id, Command: rec.cmd.name, From: rec.key.producer, Seq: rec.seq,
		Request: rec.request, AnswerGroup: rec.answerGroup}
	if rec.deadline != 0 {
		m.Deadline = time.Unix(0, rec.deadline)
	}
	return m
}

// setResult routes the result code to rec's producer, unless it has one,
// and keeps it for duplicates; route unset keeps it only (a cancelled
// request's).
func (r *Router) setResult(now int64, rec *tailRec, code ResultCode, route bool) {
	if !rec.pendingAnswer() {
		return
	}
	rec.cmd.tail.uncountAnswer(rec.answerGroup)
	res := &dedupEntry{key: rec.key, answered: true, code: code, idx: -1}
	rec.extra().res = res
	if route {
		r.route(now, rec.tailMessage(), res)
	}
	r.resultedRecs = append(r.resultedRecs, rec)
}

// expireTail drops the tail messages whose deadline is at or before now,
// as expire drops a queued one.
func (r *Router) expireTail(now int64) {
	for r.tailDeadlines.len() > 0 && r.tailDeadlines.top().deadline <= now {
		rec := r.tailDeadlines.top()
		r.setResult(now, rec, ResultTimeout, true)
		r.dropTail(now, rec, true)
	}
}

// cancelTail withdraws the tail message of rec at its producer's request,
// as withdraw does a queued one.
func (r *Router) cancelTail(now int64, rec *tailRec) {
	r.setResult(now, rec, ResultCancelled, false)
	r.dropTail(now, rec, false)
}

// dropTail takes the message of rec out of its command's tail, counts and
// all, and acks it for every group that takes it, the last ack deleting
// it; a page that still brings it skips it. Its ID, with its result if it
// has one, stays in the dedup window for Config.DedupWindow from now.
// expired tells the observer.
func (r *Router) dropTail(now int64, rec *tailRec, expired bool) {
	r.unindexTail(rec)
	cmd := rec.cmd
	t := &cmd.tail
	t.n--
	t.bytes -= int64(rec.size)
	cmd.active--
	cmd.activeBytes -= int64(rec.size)
	if t.loading {
		t.asked = max(t.asked-1, 0)
	}
	cmd.countTailGroups(rec.seq, -1, rec.done())
	t.skip(rec.seq)
	exp := now + int64(r.cfg.DedupWindow)
	r.ackStored(exp, cmd, rec.tailMessage(), int(rec.size), rec.done(), rec.result(), expired)
	r.keepFinishedID(rec, exp)
}

// ackStored acks stored message m of cmd, which is not live, for every
// group that takes it but those of done, the last ack deleting it, each
// carrying res, the result its producer got, if any; size is its
// payload's length. expired tells the observer. The groups are
// dispatched at the end of the event.
func (r *Router) ackStored(expires int64, cmd *command, m *Message, size int, done []string, res *dedupEntry, expired bool) {
	var gs []*group
	for _, g := range cmd.groups {
		if g.waitsFor(m.Seq, done) {
			gs = append(gs, g)
		}
	}
	a := Action{Kind: ActAck, Msg: m, Last: true, Expires: time.Unix(0, expires), Size: size}
	if res != nil {
		a.Answered, a.Code, a.From, a.Data = true, res.code, res.from, res.data
	}
	if len(gs) == 0 {
		r.emit(a)
	}
	for i, g := range gs {
		a.Group, a.Last = g.name, i == len(gs)-1
		r.emit(a)
		if o := r.cfg.Observer; o != nil && expired {
			o.Expired(cmd.name, g.name)
		}
		r.markDirty(g)
	}
}

// answerGroupGone gives the requests of cmd's tail that group g was to
// answer their result now that g is removed: ResultPurged with notify
// set, ResultNoAnswerGroup otherwise (as removeGroup does for queued
// ones). They stay in the tail for the other groups.
func (r *Router) answerGroupGone(now int64, g *group, notify bool) {
	if g.cmd.tail.answers[g.name] == 0 {
		return
	}
	code := ResultNoAnswerGroup
	if notify {
		code = ResultPurged
	}
	for _, rec := range r.tailRecsOf(g.cmd) {
		if rec.answerGroup == g.name {
			r.setResult(now, rec, code, true)
		}
	}
}

// purgeTailRecs forgets the records of cmd's tail, which was purged: a
// request still owed its result gets ResultPurged; their IDs, with the
// results, stay in the dedup window for Config.DedupWindow from now.
func (r *Router) purgeTailRecs(now int64, cmd *command) {
	exp := now + int64(r.cfg.DedupWindow)
	for _, rec := range r.tailRecsOf(cmd) {
		r.setResult(now, rec, ResultPurged, true)
		r.unindexTail(rec)
		r.keepFinishedID(rec, exp)
	}
}

// keepFinishedID keeps the ID of rec's message, which left the tail
// finished, in the dedup window until expires, with its result if it has
// one.
func (r *Router) keepFinishedID(rec *tailRec, expires int64) {
	if ref, ok := r.dedup[rec.key]; ok {
		r.forgetRef(rec.key, ref)
	}
	if res := rec.result(); res != nil {
		r.add(res, expires)
	} else {
		r.addPlain(rec.key, nil, expires)
	}
}

// forgetLostRecs forgets the records of cmd's tail below its start: a
// short page found their messages no more in the store.
func (r *Router) forgetLostRecs(cmd *command) {
	for _, rec := range r.tailRecsOf(cmd) {
		if rec.seq < cmd.tail.from {
			r.unindexTail(rec)
		}
	}
}

// tailRecsOf returns the records of cmd's tail in Seq order.
func (r *Router) tailRecsOf(cmd *command) []*tailRec {
	var out []*tailRec
	for rec := range r.tailRecs.all() {
		if rec.cmd == cmd {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *tailRec) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), strings.Compare(a.key.producer, b.key.producer), bytes.Compare(a.key.id[:], b.key.id[:]))
	})
	return out
}
