package teomq_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/router"
)

// A backlog of four store blocks (4,096 messages each, more than the
// window) that one durable group drained while another was away is
// counted, not read, at a restart (the broker's log says that it restored
// the head, a quarter of the window, and left the rest in the store), and
// the counts are exact:
// right after the restart the group that drained has nothing left and the
// other has every message, which it then gets, each once.
func TestRestartCountsWhatOneGroupFinished(t *testing.T) {
	const window, n = 64, 4*4096 + 100
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addStoredGroups(t, data, "bench", "work", "audit")
	fillStoreWith(t, data, n, nil)
	r := &restartable{t: t, cfg: teomq.BrokerConfig{
		Name: "broker", ConfigDir: dir, DataDir: data, Listen: "127.0.0.1:0",
		Durability: teomq.DurabilityInterval, Logger: testLogger(), Window: window,
	}}
	r.start()
	t.Cleanup(func() { r.b.Close() })

	counts := func() (int, map[string]int) { return queueCounts(t, r.b.Endpoint(), "bench") }
	check := func(when string, messages int, pending map[string]int) {
		t.Helper()
		checkQueueCounts(t, r.b.Endpoint(), "bench", when, messages, pending)
	}
	// drain has a consumer of group take every message, and checks that
	// each came once.
	drain := func(group string) {
		t.Helper()
		got := make(chan string, n+1)
		c := mustConnectTo(t, r.b.Endpoint())
		defer c.Close()
		s, err := c.Subscribe("bench", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- string(m.Data[:8])
			return nil, nil
		}, teomq.Group(group), teomq.Concurrency(64))
		if err != nil {
			t.Fatal(err)
		}
		seen := make(map[string]bool, n)
		for i := range n {
			v := recv(t, got, fmt.Sprintf("message %d of group %q", i, group))
			if seen[v] {
				t.Fatalf("group %q got message %s twice", group, v)
			}
			seen[v] = true
		}
		waitFor(t, "the answers of group "+group, func() bool { _, left := counts(); return left[group] == 0 })
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			t.Fatalf("group %q got %q after its last message", group, <-got)
		}
	}

	check("at the start", n, map[string]int{"audit": n, "work": n})
	drain("work")
	log := &recordedLog{}
	r.cfg.Logger = slog.New(log)
	r.restart()
	restored := log.attrs("teomq: restored queues")
	head := router.RestoreHead(window)
	if want := fmt.Sprintf("messages=%d left_in_store=%d", head, n-head); restored["messages"]+" "+restored["left_in_store"] != want {
		t.Fatalf("the restart logged %v, want %s", restored, want)
	}
	check("after a restart", n, map[string]int{"audit": n, "work": 0})
	drain("audit")
	waitFor(t, "the queue to drain", func() bool { return r.b.QueueLen("bench") == 0 })
	r.restart()
	check("after the last restart", 0, map[string]int{"audit": 0, "work": 0})
}
