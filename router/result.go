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
	if ms.committed {
		r.resulted = append(r.resulted, ms)
	}
}

// keepResults persists the results that producers got in this event for
// messages still stored at its end (ActKeepResult): a restart gives them
// back, so that a producer gets no second result. A message finished in
// the event keeps its result with its Last ack instead, as most do.
func (r *Router) keepResults() {
	for i, ms := range r.resulted {
		if r.live[ms.msg.ID] == ms {
			r.emit(keepResult(ms.msg, ms.res))
		}
		r.resulted[i] = nil
	}
	r.resulted = r.resulted[:0]
	for i, rec := range r.resultedRecs {
		if r.tailRecs.get(rec.key) == rec {
			r.emit(keepResult(rec.tailMessage(), rec.result()))
		}
		r.resultedRecs[i] = nil
	}
	r.resultedRecs = r.resultedRecs[:0]
}

// keepResult is the ActKeepResult of stored message m, whose producer got
// result e.
func keepResult(m *Message, e *dedupEntry) Action {
	return Action{Kind: ActKeepResult, Msg: m, Answered: true, Code: e.code, From: e.from, Data: e.data}
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
