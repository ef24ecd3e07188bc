package router

// msgState is the router's record of one message, from Admit until every
// group that got it is done with it.
type msgState struct {
	msg       *Message
	cmd       *command
	items     []item      // one per group that got the message, in group order
	res       *dedupEntry // the result routed to the producer; nil until then
	admitted  int64       // unix ns of Admit; 0: unknown (restored; read back from a tail: about then, from its ID's expiry)
	left      int32       // items not done: pending, in flight or dead
	active    int32       // items pending or in flight
	dlIdx     int32       // index in the router's deadline heap; -1: none
	size      int32       // the payload's length, also while it is paged out
	committed bool        // Commit ran: the message is queued
	paged     bool        // the payload is not in memory: dispatch fetches it (ActFetch)
	expired   bool        // the deadline passed, or the message was cancelled, and that was handled
	cancelled bool        // the producer cancelled it (Cancel)
}

// msgState1 holds a message and the item of its single group in one
// allocation: the common case of a command with one group.
type msgState1 struct {
	msgState
	one [1]item
}

func newMsgState(cmd *command, m *Message) *msgState {
	x := &msgState1{msgState: msgState{msg: m, cmd: cmd, dlIdx: -1, size: int32(min(len(m.Data), 1<<31-1))}}
	x.items = x.one[:0]
	return &x.msgState
}

// expiredAt reports whether the message's deadline has passed at now.
func (ms *msgState) expiredAt(now int64) bool {
	return ms.expired || (ms.hasDeadline() && ms.deadline() <= now)
}

func (ms *msgState) hasDeadline() bool { return !ms.msg.Deadline.IsZero() }

// deadline is the message's deadline in unix ns.
func (ms *msgState) deadline() int64 { return ms.msg.Deadline.UnixNano() }

// incActive and decActive count the message's pending and in-flight items
// and keep its command's count of active messages.
func (ms *msgState) incActive() {
	if ms.active == 0 {
		ms.cmd.active++
		ms.cmd.activeBytes += ms.bytes()
	}
	ms.active++
}

func (ms *msgState) decActive() {
	ms.active--
	if ms.active == 0 {
		ms.cmd.active--
		ms.cmd.activeBytes -= ms.bytes()
	}
}

// size is the message's payload size, as the byte quota counts it.
func (ms *msgState) bytes() int64 { return int64(ms.size) }
