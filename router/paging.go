package router

import "time"

// Payload is a stored message's payload, read back for Fill.
type Payload struct {
	ID   ID
	Seq  uint64
	Data []byte
}

// fetchMax bounds the messages one ActFetch asks for.
const fetchMax = 1024

// pageOut leaves the payload of ms, being committed or restored (with no
// delivery made yet), to the store when its command holds
// Config.ResidentBytes of payloads in memory already and no group of it
// has a subscriber with free credit (which would take the message at
// once). Otherwise the payload counts as resident.
func (r *Router) pageOut(cmd *command, ms *msgState) {
	if r.cfg.ResidentBytes <= 0 || cmd.residentBytes+ms.bytes() <= r.cfg.ResidentBytes || cmd.hasFreeCredit() {
		cmd.residentBytes += ms.bytes()
		return
	}
	ms.paged = true
	ms.msg.Data = nil
}

// pageOutQueued leaves the payload of ms, which a group has just finished,
// to the store when every copy still to deliver waits in a group that has
// no free credit for it (a durable group with no consumer, a slow one) or
// in a back
// and its command holds more than half of Config.ResidentBytes of
// payloads, the share that pages of the window leave to the queues:
// otherwise the payloads that one group's reads bring back from the store
// would stay in memory for as long as another group takes to come.
// Dispatch fetches the payload again (ActFetch) before its delivery.
func (r *Router) pageOutQueued(ms *msgState) {
	cmd := ms.cmd
	if r.cfg.ResidentBytes <= 0 || ms.paged || cmd.residentBytes <= r.cfg.ResidentBytes/2 {
		return
	}
	for i := range ms.items {
		if it := &ms.items[i]; it.state != stDone && it.state != stBack && (it.state != stQueued || it.group.free > 0) {
			return
		}
	}
	ms.paged = true
	ms.msg.Data = nil
	cmd.residentBytes -= ms.bytes()
}

// hasFreeCredit reports whether a subscriber of cmd may take a message.
func (cmd *command) hasFreeCredit() bool {
	for _, g := range cmd.groups {
		if g.free > 0 {
			return true
		}
	}
	return false
}

// fetch asks the broker for the payloads from ms on (ActFetch), unless a
// fetch of its command is under way. It asks for fetchLen(ms) messages.
func (r *Router) fetch(cmd *command, ms *msgState) {
	if cmd.fetching {
		return
	}
	cmd.fetching = true
	r.emit(Action{Kind: ActFetch, Msg: ms.msg, Attempt: r.fetchLen(ms)})
}

// fetchLen is how many payloads a fetch asks for: about half of
// Config.ResidentBytes worth, by ms's size, at most fetchMax.
func (r *Router) fetchLen(ms *msgState) int {
	n := r.cfg.ResidentBytes / 2 / max(ms.bytes(), 1)
	return int(min(max(n, 1), fetchMax))
}

// prefetch asks for the payloads of g's queue ahead of its subscribers, if
// it has any, when the message a fetch's length (fetchLen, by the size of
// the message at the head) down the queue, or the last, is paged out: with
// less than a fetch's worth of payloads in memory ahead of them, the next
// fetch starts, so that it is done before they reach its first message;
// the queue then holds at most two fetches' worth, about
// Config.ResidentBytes. The fetch starts at the first paged-out message;
// finding it costs one walk of that stretch per fetch.
func (r *Router) prefetch(g *group) {
	cmd := g.cmd
	n := g.fresh.len()
	if r.cfg.ResidentBytes <= 0 || cmd.fetching || n == 0 || len(g.subs) == 0 {
		return
	}
	k := min(n-1, r.fetchLen(g.fresh.at(0).ms))
	if it := g.fresh.at(k); it.state != stQueued || !it.ms.paged {
		return
	}
	for i := range k + 1 {
		if it := g.fresh.at(i); it.state == stQueued && it.ms.paged {
			r.fetch(cmd, it.ms)
			return
		}
	}
}

// Fill hands back the payloads an ActFetch for command asked for, and
// dispatches the messages they belong to. A payload of a message that is
// not paged out (finished meanwhile) is ignored. Fill ends the command's
// fetch, whether or not it brought what was asked for: the next dispatch
// that meets a paged-out message asks again.
func (r *Router) Fill(now time.Time, command string, payloads []Payload) []Action {
	r.begin()
	cmd := r.commands[command]
	if cmd == nil {
		return r.flush(now)
	}
	cmd.fetching = false
	for _, p := range payloads {
		ms := r.live[p.ID]
		if ms == nil || ms.cmd != cmd || !ms.paged || ms.msg.Seq != p.Seq || len(p.Data) != int(ms.size) {
			continue
		}
		ms.paged = false
		ms.msg.Data = p.Data
		cmd.residentBytes += ms.bytes()
	}
	for _, g := range cmd.groups {
		r.markDirty(g)
	}
	return r.flush(now)
}
