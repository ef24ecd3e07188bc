package cluster

import (
	"time"

	"github.com/teonet-go/teomq/router"
)

// A result may reach a producer's broker twice: its message was answered
// again after a redelivery (an ack lost while the stream's leader
// changed), or a result taken live was stored too. The broker remembers
// the results it handed to its producers for the dedup window and drops a
// second one, so that a request gets one answer.

// handedKey names a result: its request and the request's producer.
type handedKey struct {
	producer string
	id       router.ID
}

// handedSet is the results handed over within the dedup window, with their
// expiries in order. Guarded by Engine.mu.
type handedSet struct {
	at    map[handedKey]time.Time
	order []handedEntry // by expiry; order[head:] are live
	head  int
}

type handedEntry struct {
	key     handedKey
	expires time.Time
}

// add records key as handed over until expires, and reports whether it
// was new.
func (h *handedSet) add(key handedKey, expires time.Time) bool {
	if h.at == nil {
		h.at = make(map[handedKey]time.Time)
	}
	if _, ok := h.at[key]; ok {
		return false
	}
	h.at[key] = expires
	h.order = append(h.order, handedEntry{key: key, expires: expires})
	return true
}

// remove forgets key (its hand-over failed).
func (h *handedSet) remove(key handedKey) { delete(h.at, key) }

// expire forgets the results whose window ended by now.
func (h *handedSet) expire(now time.Time) {
	for h.head < len(h.order) && now.After(h.order[h.head].expires) {
		e := h.order[h.head]
		if h.at[e.key] == e.expires {
			delete(h.at, e.key)
		}
		h.order[h.head] = handedEntry{}
		h.head++
	}
	if h.head > len(h.order)/2 && h.head > 1024 {
		h.order = append(h.order[:0], h.order[h.head:]...)
		h.head = 0
	}
}
