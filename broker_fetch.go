package teomq

import (
	"time"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/store"
)

// fetchReq is a read of paged-out payloads the router asked for
// (router.ActFetch).
type fetchReq struct {
	command string
	seq     uint64
	count   int
	load    bool   // an ActLoad or ActLoadBack: whole messages for Router.Load
	back    bool   // an ActLoadBack: for Router.LoadBack
	group   string // an ActLoadBack's group
}

// fetchRetry is how long fetchLoop waits after a failed read before it
// ends the fetch, so that the router asks again.
const fetchRetry = 100 * time.Millisecond

// queueFetch hands an ActFetch, ActLoad or ActLoadBack to fetchLoop. Called with b.mu held.
func (b *Broker) queueFetch(a *router.Action) {
	f := fetchReq{command: a.Msg.Command, seq: a.Msg.Seq, count: a.Attempt, load: a.Kind != router.ActFetch}
	if a.Kind == router.ActLoadBack {
		f.back, f.group = true, a.Group
	}
	b.fetchQ = append(b.fetchQ, f)
	select {
	case b.fetchWake <- struct{}{}:
	default:
	}
}

// fetchLoop reads the payloads the router asks for from the store, off
// the broker's lock, and hands them back with Router.Fill. Owned by the
// Broker: started by NewBroker when the router pages payloads out, stopped
// by Close.
func (b *Broker) fetchLoop(pager store.Pager) {
	defer b.wg.Done()
	for {
		select {
		case <-b.exit:
			return
		case <-b.fetchWake:
		}
		for {
			b.mu.Lock()
			if len(b.fetchQ) == 0 {
				b.mu.Unlock()
				break
			}
			f := b.fetchQ[0]
			b.fetchQ = b.fetchQ[1:]
			b.mu.Unlock()
			if f.load {
				if !b.load(pager, f) {
					return
				}
				continue
			}
			payloads, err := readPayloads(pager, f)
			if err != nil {
				if more, ok := b.fetchLog.Allow(); ok {
					b.log.Warn("teomq: reading queued messages from the store failed", "command", f.command, "err", err, "more", more)
				}
				select {
				case <-b.exit:
					return
				case <-time.After(fetchRetry):
				}
			}
			b.mu.Lock()
			b.exec(b.router.Fill(time.Now(), f.command, payloads))
			b.unlock()
		}
	}
}

// readPayloads reads the payloads f asks for.
func readPayloads(pager store.Pager, f fetchReq) ([]router.Payload, error) {
	recs, err := pager.ReadMessages(f.command, f.seq, f.count)
	if err != nil {
		return nil, err
	}
	out := make([]router.Payload, len(recs))
	for i, r := range recs {
		out[i] = router.Payload{ID: router.ID(r.Msg.ID), Seq: r.Msg.Seq, Data: r.Msg.Data}
	}
	return out, nil
}
