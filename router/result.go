package router

// result routes the result of request ms to its producer, unless the
// message is no request or already has its result: a producer gets one
// result per message, from its answer group (or from the deadline, or the
// answer group's dead-letter queue or removal).
func (r *Router) result(now int64, ms *msgState, code ResultCode, from string, data []byte) {
	if !ms.msg.Request || ms.res != nil {
		return
	}
	m := ms.msg
	ms.res = &dedupEntry{key: dedupKey{m.From, m.ID}, answered: true, code: code, from: from, data: data, idx: -1}
	r.route(now, m, ms.res)
}

// answers reports whether it is the copy of its message's answer group:
// the one whose answer, dead letter or removal reaches the producer.
func (it *item) answers() bool { return it.group.name == it.ms.msg.AnswerGroup }

// checkAnswered gives request ms ResultNoAnswerGroup when it was placed
// without a copy in its answer group: the group was removed before.
func (r *Router) checkAnswered(now int64, ms *msgState) {
	if !ms.msg.Request {
		return
	}
	for i := range ms.items {
		if ms.items[i].answers() {
			return
		}
	}
	r.result(now, ms, ResultNoAnswerGroup, "", nil)
}
