package router

import (
	"slices"
	"time"
)

// mailEntry is a result waiting for its producer to connect.
type mailEntry struct {
	ref     *Message // ID, Command and From (the producer): the Msg of actions
	code    ResultCode
	from    string
	data    []byte
	expires int64 // unix ns
	idx     int32 // index in the router's mailbox heap; -1: none
}

func mailBefore(a, b *mailEntry) bool  { return a.expires < b.expires }
func setMailIndex(e *mailEntry, i int) { e.idx = int32(i) }

// route sends the result e of request m to its producer's connection, or
// parks it in the producer's mailbox until it connects.
func (r *Router) route(now int64, m *Message, e *dedupEntry) {
	if c := r.producers[m.From]; c != nil {
		r.emit(Action{Kind: ActResult, Conn: c.id, Msg: m, Code: e.code, From: e.from, Data: e.data})
		return
	}
	if m.From == "" {
		return // no address to route to
	}
	ref := &Message{ID: m.ID, Command: m.Command, From: m.From, Request: true}
	me := r.post(ref, e.code, e.from, e.data, now+int64(r.cfg.MailboxTTL))
	r.emit(Action{Kind: ActMailbox, Msg: ref, Code: me.code, From: me.from, Data: me.data, Expires: time.Unix(0, me.expires)})
}

// post adds a result to the mailbox of producer ref.From.
func (r *Router) post(ref *Message, code ResultCode, from string, data []byte, expires int64) *mailEntry {
	e := &mailEntry{ref: ref, code: code, from: from, data: data, expires: expires, idx: -1}
	r.mailbox[ref.From] = append(r.mailbox[ref.From], e)
	r.mailExp.push(e)
	return e
}

// deliverMail sends conn the results waiting for address, in the order
// they came, and forgets them.
func (r *Router) deliverMail(conn ConnID, address string) {
	box := r.mailbox[address]
	delete(r.mailbox, address)
	for _, e := range box {
		r.mailExp.remove(int(e.idx))
		r.emit(Action{Kind: ActResult, Conn: conn, Msg: e.ref, Code: e.code, From: e.from, Data: e.data})
		r.emit(Action{Kind: ActMailboxDelete, Msg: e.ref})
	}
}

// expireMail drops the mailbox results whose time ran out at now.
func (r *Router) expireMail(now int64) {
	for r.mailExp.len() > 0 && r.mailExp.top().expires <= now {
		e := r.mailExp.pop()
		addr := e.ref.From
		box := r.mailbox[addr]
		if i := slices.Index(box, e); i == 0 {
			box[0] = nil
			box = box[1:]
		} else if i > 0 {
			box = slices.Delete(box, i, i+1)
		}
		if len(box) == 0 {
			delete(r.mailbox, addr)
		} else {
			r.mailbox[addr] = box
		}
		r.emit(Action{Kind: ActMailboxDelete, Msg: e.ref})
	}
}

// RestoreMailbox rebuilds a result waiting in producer's mailbox: the
// result (code, from, data) for message id, kept until expires. Call it
// before the first event.
func (r *Router) RestoreMailbox(id ID, producer string, code ResultCode, from string, data []byte, expires time.Time) {
	ref := &Message{ID: id, From: producer, Request: true}
	r.post(ref, code, from, data, expires.UnixNano())
}
