package pebblestore_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// crashChildEnv makes the test binary, re-executed by TestPebbleCrashSafety,
// act as the writer that gets killed. Its value is the store directory.
const crashChildEnv = "TEOMQ_STORE_CRASH_CHILD"

const crashWriters = 8

// TestPebbleCrashSafety kills a process writing synced messages with
// SIGKILL at a random moment, three times over one directory, and checks
// that every message whose Write returned before the kill is loaded.
func TestPebbleCrashSafety(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	confirmed := map[string][]uint64{} // command -> seqs confirmed synced
	maybeAcked := map[string]bool{}    // "cmd/seq" whose ack may have been written
	for round := range 3 {
		killAfter := 50 + r.IntN(1500)
		lines := runCrashChild(t, dir, killAfter)
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) != 3 {
				continue
			}
			seq, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				t.Fatalf("child line %q: %v", l, err)
			}
			switch f[0] {
			case "appended":
				confirmed[f[1]] = append(confirmed[f[1]], seq)
			case "acking":
				maybeAcked[f[1]+"/"+f[2]] = true
			}
		}
		s := openPebble(t, dir, pebblestore.PebbleOptions{})
		recs := load(t, s)
		t.Logf("round %d: killed after %d lines; %d messages loaded", round, len(lines), len(recs))
		for cmd, seqs := range confirmed {
			got := messageSeqs(recs, cmd)
			if !slices.IsSorted(got) {
				t.Fatalf("round %d: %s out of order: %v", round, cmd, got)
			}
			for _, seq := range seqs {
				if _, found := slices.BinarySearch(got, seq); !found && !maybeAcked[fmt.Sprint(cmd, "/", seq)] {
					t.Fatalf("round %d: %s seq %d was confirmed but is lost (killed after %d lines)",
						round, cmd, seq, killAfter)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if len(confirmed) == 0 {
		t.Fatal("the child confirmed nothing")
	}
}

// runCrashChild starts the writer, kills it after killAfter confirmation
// lines (or 10 s), and returns every line it printed.
func runCrashChild(t *testing.T, dir string, killAfter int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPebbleCrashSafety$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	reached := make(chan struct{})
	readDone := make(chan struct{})
	go func() { // owned by this function: ends at EOF, after the kill
		defer close(readDone)
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if n++; n == killAfter {
				close(reached)
			}
		}
	}()
	select {
	case <-reached:
	case <-readDone:
		t.Fatalf("child exited before the kill; printed %d lines", len(lines))
	case <-time.After(10 * time.Second):
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-readDone
	_ = cmd.Wait()
	return lines
}

// crashChild appends synced messages from several goroutines, printing
// "appended CMD SEQ" after each Write returns, and acks some (unsynced),
// printing "acking CMD SEQ" before. It runs until killed, or 30 s.
func crashChild(dir string) {
	s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	next := map[string]uint64{}
	if err := s.Load(func(r *store.Record) error {
		if r.Kind == store.KindMessage {
			next[r.Command] = max(next[r.Command], r.Msg.Seq)
		}
		return nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	for w := range crashWriters {
		cmd := fmt.Sprintf("cmd%d", w)
		// Seqs continue past what the previous rounds may have written
		// unconfirmed, as the router does after a restart.
		first := next[cmd] + 1_000
		wg.Go(func() {
			for seq := first; time.Now().Before(deadline); seq++ {
				if err := s.Write([]store.Op{appendOp(cmd, seq)}, true); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(2)
				}
				say("appended %s %d", cmd, seq)
				if seq%3 == 0 {
					say("acking %s %d", cmd, seq-1)
					if err := s.Write([]store.Op{ackOp(cmd, seq-1, "", true)}, false); err != nil {
						fmt.Fprintln(os.Stderr, "child:", err)
						os.Exit(2)
					}
				}
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

// walFault injects err (errorfs.ErrInjected if nil) into operations of
// kind on the write-ahead log while on.
type walFault struct {
	kind errorfs.OpKind
	err  error
	on   atomic.Bool
	hits atomic.Int64
}

func (f *walFault) String() string { return "walFault" }

func (f *walFault) MaybeError(op errorfs.Op) error {
	if op.Kind != f.kind || !strings.HasSuffix(op.Path, ".log") {
		return nil
	}
	f.hits.Add(1)
	if !f.on.Load() {
		return nil
	}
	if f.err != nil {
		return &os.PathError{Op: "write", Path: op.Path, Err: f.err}
	}
	return errorfs.ErrInjected
}

// TestPebbleMediumFailure injects write and sync errors into the
// write-ahead log and checks that the store reports them and refuses
// writes, without panicking, and that what was confirmed before survives.
// The failure is sticky even when its cause is a shortage that may pass
// (a full disk): the engine's log refuses all records after a failed one,
// and after a failed fsync the page cache's state is unknown.
func TestPebbleMediumFailure(t *testing.T) {
	cases := []struct {
		name       string
		kind       errorfs.OpKind
		err        error
		durability pebblestore.Durability
	}{
		{"log write fails", errorfs.OpFileWrite, nil, pebblestore.DurabilitySync},
		{"log sync fails", errorfs.OpFileSyncData, nil, pebblestore.DurabilitySync},
		{"background sync fails", errorfs.OpFileSyncData, nil, pebblestore.DurabilityInterval},
		{"log write finds the disk full", errorfs.OpFileWrite, syscall.ENOSPC, pebblestore.DurabilitySync},
		{"log sync finds the disk full", errorfs.OpFileSyncData, syscall.ENOSPC, pebblestore.DurabilitySync},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fault := &walFault{kind: tc.kind, err: tc.err}
			s := openPebble(t, dir, pebblestore.PebbleOptions{
				Durability:   tc.durability,
				SyncInterval: time.Millisecond,
				FS:           errorfs.Wrap(vfs.Default, fault),
			})
			mustWrite(t, s, true, appends("q", 1, 2, 3)...)
			if err := s.Close(); err != nil { // Close syncs, in interval mode too
				t.Fatalf("Close: %v", err)
			}
			s = openPebble(t, dir, pebblestore.PebbleOptions{
				Durability:   tc.durability,
				SyncInterval: time.Millisecond,
				FS:           errorfs.Wrap(vfs.Default, fault),
			})
			load(t, s)
			fault.on.Store(true)
			err := s.Write([]store.Op{appendOp("q", 4)}, true)
			if tc.durability == pebblestore.DurabilityInterval {
				if err != nil {
					t.Fatalf("interval Write before the background sync: %v", err)
				}
				waitFor(t, "Health to report the failed background sync", func() bool {
					return s.Health() != nil
				})
				err = s.Write([]store.Op{appendOp("q", 5)}, true)
			}
			if !errors.Is(err, store.ErrStoreFailed) {
				t.Fatalf("Write on a failing log: got %v, want ErrStoreFailed", err)
			}
			if err := s.Health(); !errors.Is(err, store.ErrStoreFailed) {
				t.Fatalf("Health: got %v, want ErrStoreFailed", err)
			}
			hits := fault.hits.Load()
			if err := s.Write([]store.Op{appendOp("q", 6)}, true); !errors.Is(err, store.ErrStoreFailed) {
				t.Fatalf("Write after the failure: got %v, want ErrStoreFailed", err)
			}
			if n := fault.hits.Load(); n != hits {
				t.Fatalf("Write after the failure touched the log (%d ops)", n-hits)
			}
			fault.on.Store(false)
			if err := s.Write([]store.Op{appendOp("q", 7)}, true); !errors.Is(err, store.ErrStoreFailed) {
				t.Fatalf("Write after the medium healed: got %v, want the sticky ErrStoreFailed", err)
			}
			if err := s.Health(); errors.Is(err, store.ErrStoreUnavailable) {
				t.Fatalf("Health: %v, a failed log is not a passing outage", err)
			}
			_ = s.Close() // reports the failure again; must not panic
			s = openPebble(t, dir, pebblestore.PebbleOptions{})
			got := messageSeqs(load(t, s), "q")
			if len(got) < 3 || !slices.Equal(got[:3], []uint64{1, 2, 3}) {
				t.Fatalf("after the failure: messages %v, want 1 2 3 first", got)
			}
		})
	}
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPebbleDamagedLog opens copies of a store whose newest write-ahead
// log was cut or had bytes flipped, as a crash mid-write or bit rot leaves
// it. The store opens with the whole records before the damage: the
// messages it loads are a prefix of those written, in order.
func TestPebbleDamagedLog(t *testing.T) {
	// n writes fit in the engine's first memtable (256 KB), so that the
	// damage is in the only log.
	const n = 1000
	dir := t.TempDir()
	s := openPebble(t, dir, pebblestore.PebbleOptions{})
	for seq := uint64(1); seq <= n; seq++ {
		mustWrite(t, s, true, appendOp("q", seq))
	}
	logPath := newestLog(t, dir)
	cases := []struct {
		name    string
		damage  func(b []byte) []byte
		atLeast int // messages that must survive
	}{
		{"tail cut mid-record", func(b []byte) []byte { return b[:len(b)-100] }, n - 5},
		{"last record flipped", func(b []byte) []byte { b[len(b)-30] ^= 0xff; return b }, n - 5},
		{"middle flipped", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }, 0},
		{"cut to nothing", func(b []byte) []byte { return b[:0] }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := copyDir(t, dir)
			path := filepath.Join(cp, filepath.Base(logPath))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			c := openPebble(t, cp, pebblestore.PebbleOptions{})
			got := messageSeqs(load(t, c), "q")
			if !slices.Equal(got, seqRange(1, uint64(len(got)))) {
				t.Fatalf("loaded %d messages that are not a prefix 1..k: %v...", len(got), got[:min(10, len(got))])
			}
			t.Logf("%d of %d messages survived", len(got), n)
			if len(got) < tc.atLeast {
				t.Fatalf("loaded %d messages, want at least %d", len(got), tc.atLeast)
			}
			mustWrite(t, c, true, appendOp("q", n+1))
		})
	}
}

func newestLog(t *testing.T, dir string) string {
	t.Helper()
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no log in %s: %v", dir, err)
	}
	slices.Sort(logs)
	return logs[len(logs)-1]
}

// copyDir copies the files of dir, as a crash left them, to a new
// directory.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	cp := t.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cp, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cp
}

// TestPebbleLoadAfterDrain fills a queue, drains half of it in order, and
// checks that a reopened store loads exactly the other half, in order.
func TestPebbleLoadAfterDrain(t *testing.T) {
	const n, batch = 50_000, 1_000
	dir := t.TempDir()
	s := openPebble(t, dir, pebblestore.PebbleOptions{})
	for from := uint64(1); from <= 2*n; from += batch {
		mustWrite(t, s, false, appends("q", seqRange(from, from+batch-1)...)...)
	}
	for from := uint64(1); from <= n; from += batch {
		mustWrite(t, s, false, lastAcks("q", seqRange(from, from+batch-1)...)...)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	next := uint64(n + 1)
	err := s.Load(func(r *store.Record) error {
		if r.Kind != store.KindMessage || r.Msg.Seq != next || string(r.Msg.Data) != fmt.Sprintf("q/%d", next) {
			return fmt.Errorf("record %v seq %d, want message %d", r.Kind, r.Msg.Seq, next)
		}
		next++
		return nil
	})
	if err != nil || next != 2*n+1 {
		t.Fatalf("Load: %v after seq %d, want all through %d", err, next-1, 2*n)
	}
}

// TestPebbleGroupCommit checks that concurrent synced writes share fsyncs
// of the write-ahead log.
func TestPebbleGroupCommit(t *testing.T) {
	const writers, perWriter = 32, 20
	syncs := &walFault{kind: errorfs.OpFileSyncData}
	s := openPebble(t, t.TempDir(), pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, syncs)})
	load(t, s)
	before := syncs.hits.Load()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			cmd := fmt.Sprint("c", w)
			for seq := uint64(1); seq <= perWriter; seq++ {
				if err := s.Write([]store.Op{appendOp(cmd, seq)}, true); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	n := syncs.hits.Load() - before
	t.Logf("%d synced writes, %d log fsyncs", writers*perWriter, n)
	if n >= writers*perWriter/2 {
		t.Fatalf("%d synced writes took %d log fsyncs; want them shared", writers*perWriter, n)
	}
}

// TestPebbleIntervalDurability checks that DurabilityInterval syncs the
// log in the background, and that Close makes its writes durable.
func TestPebbleIntervalDurability(t *testing.T) {
	dir := t.TempDir()
	syncs := &walFault{kind: errorfs.OpFileSyncData}
	opts := pebblestore.PebbleOptions{Durability: pebblestore.DurabilityInterval, SyncInterval: 5 * time.Millisecond,
		FS: errorfs.Wrap(vfs.Default, syncs)}
	s := openPebble(t, dir, opts)
	load(t, s)
	before := syncs.hits.Load()
	mustWrite(t, s, true, appends("q", 1, 2)...)
	waitFor(t, "a background sync", func() bool { return syncs.hits.Load() > before })
	mustWrite(t, s, true, appendOp("q", 3))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	wantSeqs(t, load(t, s), "q", 1, 2, 3)
}

func TestOpenPebbleInvalidOptions(t *testing.T) {
	cases := []struct {
		name string
		opts pebblestore.PebbleOptions
	}{
		{"unknown durability", pebblestore.PebbleOptions{Durability: 7}},
		{"negative interval", pebblestore.PebbleOptions{Durability: pebblestore.DurabilityInterval, SyncInterval: -time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := pebblestore.OpenPebble(t.TempDir(), tc.opts)
			if !errors.Is(err, store.ErrInvalidOptions) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("OpenPebble: got %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestOpenPebbleLockedDir(t *testing.T) {
	dir := t.TempDir()
	openPebble(t, dir, pebblestore.PebbleOptions{})
	if s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()}); err == nil {
		s.Close()
		t.Fatal("a second OpenPebble of an open directory succeeded")
	}
}

// TestPebbleWriteWithoutLoad checks that a store written to without a Load
// first still knows its undone messages: acks then move the watermark
// correctly.
func TestPebbleWriteWithoutLoad(t *testing.T) {
	dir := t.TempDir()
	s := openPebble(t, dir, pebblestore.PebbleOptions{})
	mustWrite(t, s, true, appends("q", seqRange(1, 10)...)...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	mustWrite(t, s, false, lastAcks("q", 2, 1, 4)...)
	mustWrite(t, s, true, appendOp("q", 11))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	wantSeqs(t, load(t, s), "q", 3, 5, 6, 7, 8, 9, 10, 11)
}
