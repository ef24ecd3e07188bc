package pebblestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/teonet-go/teomq/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testMessage(seq uint64) store.Op {
	return store.Op{Kind: store.KindMessage, Command: "q", Seq: seq,
		Msg: &store.Message{Data: fmt.Appendf(nil, "message %d", seq)}}
}

func mustOpen(t *testing.T, dir string) *PebbleStore {
	t.Helper()
	s, err := OpenPebble(dir, PebbleOptions{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openRaw opens a store's directory with pebble directly.
func openRaw(t *testing.T, dir string) *pebble.DB {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Merger: floorMerger, Logger: engineLogger{log: quiet(), fatal: func(error) {}}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestOpenPebbleUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	if err := mustOpen(t, dir).Close(); err != nil {
		t.Fatal(err)
	}
	db := openRaw(t, dir)
	if err := db.Set(versionKey, []byte{formatVersion + 1}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := OpenPebble(dir, PebbleOptions{Logger: quiet()}); !errors.Is(err, store.ErrFormat) {
		t.Fatalf("OpenPebble: got %v, want ErrFormat", err)
	}
}

// TestWatermarkKeys checks the on-disk effect of in-order acks: the
// watermark key moves, keys below it are range-deleted in steps of
// sweepEvery (not one by one), and Load starts at the watermark.
func TestWatermarkKeys(t *testing.T) {
	const n = 5000
	dir := t.TempDir()
	s := mustOpen(t, dir)
	for seq := uint64(1); seq <= n; seq++ {
		if err := s.Write([]store.Op{testMessage(seq)}, false); err != nil {
			t.Fatal(err)
		}
	}
	for seq := uint64(1); seq <= n; seq++ {
		if err := s.Write([]store.Op{{Kind: store.KindAck, Command: "q", Seq: seq, Last: true}}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := openRaw(t, dir)
	defer db.Close()
	c := s.idx.cmds["q"]
	v, closer, err := db.Get(floorKey(c.id))
	if err != nil {
		t.Fatal(err)
	}
	if floor := binary.BigEndian.Uint64(v); floor != n+1 {
		t.Fatalf("watermark %d, want %d", floor, n+1)
	}
	closer.Close()
	lower, upper := laneBounds(c.id, laneMain)
	it, _ := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	defer it.Close()
	var first uint64
	left := 0
	for it.First(); it.Valid(); it.Next() {
		p, _ := parseQueueKey(it.Key())
		if left == 0 {
			first = p.seq
		}
		left++
	}
	// Sweeps ran when the watermark reached 1024, 2048, 3072 and 4096.
	if left != n-4095 || first != 4096 {
		t.Fatalf("%d keys left below the watermark from %d; want %d from 4096", left, first, n-4095)
	}
}

// TestPebbleCorruptTable flips bytes inside a table file, at its start
// (where the format key is, read at open) or in its middle (messages, read
// by Load). Open or Load fails with an error wrapping ErrCorrupt that
// names the file, and nothing panics.
func TestPebbleCorruptTable(t *testing.T) {
	cases := []struct {
		name string
		at   func(size int) int
	}{
		{"start", func(int) int { return 100 }},
		{"middle", func(size int) int { return size / 2 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, table := storeWithTable(t)
			b, err := os.ReadFile(table)
			if err != nil {
				t.Fatal(err)
			}
			at := tc.at(len(b))
			for i := at; i < at+100; i++ {
				b[i] ^= 0x5a
			}
			if err := os.WriteFile(table, b, 0o644); err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(table), ".sst")
			s, err := OpenPebble(dir, PebbleOptions{Logger: quiet()})
			if err == nil {
				defer s.Close()
				err = s.Load(func(*store.Record) error { return nil })
			}
			if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), name) {
				t.Fatalf("got %v, want ErrCorrupt naming %s", err, name)
			}
		})
	}
}

// storeWithTable makes a store whose messages are in a table file, closed,
// and returns its directory and the table's path.
func storeWithTable(t *testing.T) (dir, table string) {
	dir = t.TempDir()
	s := mustOpen(t, dir)
	for seq := uint64(1); seq <= 2000; seq++ {
		if err := s.Write([]store.Op{testMessage(seq)}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	var size int64
	for _, p := range tables {
		if fi, err := os.Stat(p); err == nil && fi.Size() > size {
			table, size = p, fi.Size()
		}
	}
	if table == "" {
		t.Fatal("no table file after flush")
	}
	return dir, table
}

// countHandler counts log records by message.
type countHandler struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countHandler) WithGroup(string) slog.Handler            { return h }

func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs[r.Message]++
	return nil
}

func (h *countHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.msgs[msg]
}

// TestLoadLogsProgress checks that Load reports its progress while it
// runs (here after every progressCheck records) and its end.
func TestLoadLogsProgress(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	h := &countHandler{msgs: map[string]int{}}
	s, err := OpenPebble(t.TempDir(), PebbleOptions{Logger: slog.New(h)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ops := make([]store.Op, 3*progressCheck)
	for i := range ops {
		ops[i] = testMessage(uint64(i + 1))
	}
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(func(*store.Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := h.count("store: loading"); n != 3 {
		t.Fatalf("%d progress logs for %d records, want 3", n, len(ops))
	}
	if n := h.count("store: loaded"); n < 1 {
		t.Fatal("no log at the end of Load")
	}
}

// TestTableWriteFailure makes the engine's flush fail to create its table:
// the store reports the failure and refuses writes (instead of stalling
// when the memtables fill), nothing panics, and once the medium heals the
// flush completes and the store closes.
func TestTableWriteFailure(t *testing.T) {
	var broken atomic.Bool
	fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if broken.Load() && strings.HasSuffix(op.Path, ".sst") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	}))
	s, err := OpenPebble(t.TempDir(), PebbleOptions{Logger: quiet(), FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 100; seq++ {
		if err := s.Write([]store.Op{testMessage(seq)}, false); err != nil {
			t.Fatal(err)
		}
	}
	broken.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- s.db.Flush() }() // ends when the flush succeeds
	deadline := time.Now().Add(5 * time.Second)
	for s.Health() == nil {
		if time.Now().After(deadline) {
			t.Fatal("Health did not report the failed flush")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Write([]store.Op{testMessage(101)}, true); !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("Write: got %v, want ErrStoreFailed", err)
	}
	broken.Store(false)
	select {
	case err := <-flushed:
		if err != nil {
			t.Fatalf("Flush after healing: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Flush did not complete after healing")
	}
	if err := s.Close(); !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("Close: got %v, want the sticky failure", err)
	}
}

// TestSyncDelay checks when the log pauses after a sync: only when more
// than one message was written with sync since the sync before and the
// process is busy, and never when SyncDelay is negative; other ops do not
// count.
func TestSyncDelay(t *testing.T) {
	cases := []struct {
		delay  time.Duration
		synced int64
		busy   bool
		want   time.Duration
	}{
		{0, 0, true, 0},
		{0, 1, true, 0},
		{0, 2, true, DefaultSyncDelay},
		{0, 100, true, DefaultSyncDelay},
		{0, 100, false, 0},
		{2 * time.Millisecond, 5, true, 2 * time.Millisecond},
		{-1, 100, true, 0},
	}
	for _, c := range cases {
		o, err := PebbleOptions{SyncDelay: c.delay}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		s := &PebbleStore{opts: o, cpuLoad: loadMeter{cpuTime: func() (time.Duration, bool) { return 0, false }}}
		if !c.busy {
			// A window in which the process used none of its processors.
			s.cpuLoad.at, s.cpuLoad.busy = time.Now().Add(-time.Second), true
			s.cpuLoad.cpuTime = func() (time.Duration, bool) { return 0, true }
		}
		s.syncing.Store(c.synced)
		if got := s.syncDelay(); got != c.want {
			t.Errorf("SyncDelay %v, %d messages synced, busy %v: delay %v, want %v", c.delay, c.synced, c.busy, got, c.want)
		}
		if s.syncing.Load() != 0 {
			t.Errorf("SyncDelay %v: the count was not reset after a sync", c.delay)
		}
	}
	ops := []store.Op{testMessage(1), {Kind: store.KindAck, Command: "q", Seq: 1, Last: true}, {Kind: store.KindGroup, Command: "q", Group: "g"}}
	if n := messages(ops); n != 1 {
		t.Errorf("messages(message, ack, group) = %d, want 1", n)
	}
}

// TestLoadMeter checks that the process counts as busy once it used most
// of its processors over a window, stays so until it used few, and that a
// process whose CPU time is unknown counts as busy.
func TestLoadMeter(t *testing.T) {
	procs := time.Duration(runtime.GOMAXPROCS(0))
	var cpu time.Duration
	m := loadMeter{cpuTime: func() (time.Duration, bool) { return cpu, true }}
	now := time.Unix(1000, 0)
	steps := []struct {
		used float64 // share of the processors used over the next window
		want bool
	}{
		{0.9, true},
		{0.5, true}, // between the thresholds: unchanged
		{0.1, false},
		{0.5, false}, // unchanged again
		{0.7, true},
	}
	if m.busyAt(now) {
		t.Fatal("busy before a whole window was measured")
	}
	for i, st := range steps {
		cpu += time.Duration(st.used * float64(loadWindow*procs))
		now = now.Add(loadWindow)
		if got := m.busyAt(now); got != st.want {
			t.Errorf("step %d (%.0f%% used): busy %v, want %v", i, 100*st.used, got, st.want)
		}
		cpu += loadWindow * procs // within the window: no new sample
		if got := m.busyAt(now.Add(loadWindow / 2)); got != st.want {
			t.Errorf("step %d: busy changed to %v within a window", i, got)
		}
		cpu -= loadWindow * procs
	}
	unknown := loadMeter{cpuTime: func() (time.Duration, bool) { return 0, false }}
	if !unknown.busyAt(now) {
		t.Error("a process of unknown CPU time counts as idle; want busy")
	}
}
