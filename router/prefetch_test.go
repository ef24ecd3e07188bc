package router_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq/router"
)

// A subscriber draining a queue whose payloads are paged out never waits
// for a fetch that takes a while (the time of some answers): the group
// asks for the next payloads while less than a fetch's worth is left in
// memory ahead of it, not when it reaches the first paged-out message.
// The payloads in memory stay within ResidentBytes (plus those in flight),
// and every message arrives once, in order, with its payload.
func TestPrefetchBeforeTheQueueRunsDry(t *testing.T) {
	const size, credit = 10, 8
	for _, c := range []struct {
		name     string
		resident int // Config.ResidentBytes in payloads; a fetch asks for half
		latency  int // answers between an ActFetch and its Fill
	}{
		{"fetches of 600", 1200, 400},
		{"fetches of 20", 40, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			stalls, most := drainPaged(t, 3000, size, credit, c.resident*size, c.latency)
			if stalls > 0 {
				t.Errorf("the subscriber waited for a fetch %d times, want never", stalls)
			}
			if limit := (c.resident + credit) * size; most > limit {
				t.Errorf("%d bytes of payloads in memory at most, want at most %d", most, limit)
			}
		})
	}
}

// drainPaged publishes n messages of size bytes with no subscriber to a
// router with ResidentBytes resident, then drains them with one
// subscriber of credit that answers one delivery at a time, filling each
// ActFetch latency answers after it. It returns how often the subscriber
// had nothing in flight and had to wait for a fill, and the most payload
// bytes the router held for unanswered messages.
func drainPaged(t *testing.T, n, size, credit, resident, latency int) (stalls, most int) {
	t.Helper()
	h := newHarness(t, router.Config{ResidentBytes: int64(resident)})
	// A check walks the thousands of queued messages: one per 64 events.
	h.checkEvery = 64
	msgs := make([]*router.Message, n+1) // by Seq
	data := make([][]byte, n+1)
	for i := 1; i <= n; i++ {
		m := h.msg("cmd", "p", false)
		m.Data = fmt.Appendf(nil, "%0*d", size, i)
		msgs[i], data[i] = m, m.Data
		h.publish(1, m)
	}
	var (
		inflight []router.Action
		fetch    *router.Action // an ActFetch waiting for its Fill
		due      int            // the answers after which it is filled
		answered int
		next     = 1
	)
	inMemory := func() int { // payload bytes of the unanswered messages
		sum := 0
		for seq := answered + 1; seq <= n; seq++ {
			sum += len(msgs[seq].Data)
		}
		return sum
	}
	take := func(acts []router.Action) {
		for _, a := range acts {
			switch a.Kind {
			case router.ActDeliver:
				if a.Msg.Seq != uint64(next) || !bytes.Equal(a.Msg.Data, data[next]) {
					t.Fatalf("delivered seq %d with %q, want seq %d with %q", a.Msg.Seq, a.Msg.Data, next, data[next])
				}
				next++
				inflight = append(inflight, a)
			case router.ActFetch:
				if fetch != nil {
					t.Fatal("a second fetch while one is under way")
				}
				fetch, due = &a, answered+latency
			}
		}
		most = max(most, inMemory())
	}
	fill := func() {
		f := fetch
		fetch = nil
		var ps []router.Payload
		for seq := int(f.Msg.Seq); seq < int(f.Msg.Seq)+f.Attempt && seq <= n; seq++ {
			ps = append(ps, router.Payload{ID: msgs[seq].ID, Seq: uint64(seq), Data: data[seq]})
		}
		take(h.done(h.r.Fill(h.now, "cmd", ps)))
	}
	most = 0
	take(h.subscribe(10, 1, "cmd", router.DefaultGroup, credit))
	for range 2 * n {
		if len(inflight) == 0 {
			if fetch == nil {
				break
			}
			stalls++
			fill()
			continue
		}
		d := inflight[0]
		inflight = inflight[1:]
		take(h.answer(d, router.Reply, ""))
		answered++
		if fetch != nil && answered >= due {
			fill()
		}
	}
	if next != n+1 {
		t.Fatalf("delivered %d messages, want %d", next-1, n)
	}
	h.check()
	return stalls, most
}
