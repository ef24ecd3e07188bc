package pebblestore_test

import (
	"testing"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// cumulative returns the histogram's count at or below bound.
func cumulative(t *testing.T, h store.Histogram, bound float64) uint64 {
	t.Helper()
	for _, b := range h.Buckets {
		if b.UpperBound == bound {
			return b.Count
		}
	}
	t.Fatalf("no bucket with bound %v in %+v", bound, h.Buckets)
	return 0
}

// checkCumulative fails the test unless h's buckets ascend and count up
// to at most Count.
func checkCumulative(t *testing.T, name string, h store.Histogram) {
	t.Helper()
	for i, b := range h.Buckets {
		if b.Count > h.Count || i > 0 && (b.UpperBound <= h.Buckets[i-1].UpperBound || b.Count < h.Buckets[i-1].Count) {
			t.Fatalf("%s: buckets %+v with count %d are not cumulative", name, h.Buckets, h.Count)
		}
	}
}

func TestPebbleMetrics(t *testing.T) {
	s := openPebble(t, t.TempDir(), pebblestore.PebbleOptions{})
	load(t, s)
	// Sequential synced writes each take a sync of their own: five of one
	// message, then one of three.
	for seq := uint64(1); seq <= 5; seq++ {
		mustWrite(t, s, true, appendOp("c", seq))
	}
	mustWrite(t, s, true, appends("c", 6, 7, 8)...)

	m := s.Metrics()
	if m.DiskBytes == 0 {
		t.Errorf("DiskBytes 0 for a store with 8 messages")
	}
	// The engine counts a sync after waking its writers: the sixth write
	// returning proves the first five syncs are counted.
	if m.SyncSeconds.Count < 5 || m.SyncSeconds.Sum <= 0 || len(m.SyncSeconds.Buckets) == 0 {
		t.Errorf("SyncSeconds %+v, want at least 5 syncs taking some time", m.SyncSeconds)
	}
	checkCumulative(t, "SyncSeconds", m.SyncSeconds)
	if top := m.SyncSeconds.Buckets[len(m.SyncSeconds.Buckets)-1].UpperBound; top > 10.001 || top < 5 {
		t.Errorf("SyncSeconds' largest bound %v s, want about 10 s", top)
	}

	// Close syncs the log once more and stops the engine's log writer,
	// which has then counted every sync.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sm := s.Metrics().SyncMessages
	checkCumulative(t, "SyncMessages", sm)
	if sm.Sum != 8 || sm.Count < 6 {
		t.Fatalf("SyncMessages: %v messages in %d syncs, want 8 in at least 6", sm.Sum, sm.Count)
	}
	// A write that starts while the sync before it is being counted may be
	// counted with it: the split is approximate, the sum exact.
	if n := cumulative(t, sm, 4); n != sm.Count {
		t.Errorf("%d of %d syncs counted more than 4 messages, of 3 at most", sm.Count-n, sm.Count)
	}
}
