package router

// result routes the result of request ms to its producer, unless the
// message is no request or already has its result: a producer gets one
// result per message, from whichever group answered first (or from the
// deadline or the dead-letter queue).
func (r *Router) result(now int64, ms *msgState, code ResultCode, from string, data []byte) {
	if !ms.msg.Request || ms.res != nil {
		return
	}
	ms.res = &dedupEntry{id: ms.msg.ID, answered: true, code: code, from: from, data: data, idx: -1}
	r.route(now, ms.msg, ms.res)
}
