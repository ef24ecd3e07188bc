package teomq

import (
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
)

// load reads the page of a command's backlog past its window that the
// router asked for (router.ActLoad, router.ActLoadBack) and hands it to
// Router.Load or Router.LoadBack. After a
// failed read it waits fetchRetry and ends the load, so that the router
// asks again. Called by fetchLoop without b.mu; it reports false when the
// broker is closing.
func (b *Broker) load(pager store.Pager, f fetchReq) bool {
	msgs, err := readStored(pager, f)
	if err != nil {
		if more, ok := b.fetchLog.Allow(); ok {
			b.log.Warn("teomq: reading queued messages from the store failed", "command", f.command, "err", err, "more", more)
		}
		select {
		case <-b.exit:
			return false
		case <-time.After(fetchRetry):
		}
	}
	b.mu.Lock()
	if f.back {
		b.exec(b.router.LoadBack(time.Now(), f.command, f.group, f.seq, msgs, f.count, err == nil))
	} else {
		b.exec(b.router.Load(time.Now(), f.command, msgs, f.count, err == nil))
	}
	b.unlock()
	return true
}

// readStored reads the messages f asks for, as the router restores them.
func readStored(pager store.Pager, f fetchReq) ([]router.Stored, error) {
	recs, err := pager.ReadMessages(f.command, f.seq, f.count)
	if err != nil {
		return nil, err
	}
	out := make([]router.Stored, len(recs))
	for i, r := range recs {
		var attempts map[string]int
		if len(r.Attempts) > 0 {
			attempts = make(map[string]int, len(r.Attempts))
			for g, a := range r.Attempts {
				attempts[g] = int(a)
			}
		}
		out[i] = router.Stored{Msg: routerMessage(r.Msg), AckedBy: r.AckedBy, Attempts: attempts}
	}
	return out, nil
}
