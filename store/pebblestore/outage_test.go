package pebblestore_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// createFault fails the creation of files with its errno while one is
// set: with EMFILE, as a process out of descriptors sees it. It fails
// those whose names end in suffix, or with no suffix every file but the
// write-ahead log, which the engine creates after closing the old one (so
// with a descriptor to spare). It tells probes of the store's checks of
// its files.
type createFault struct {
	suffix string
	errno  atomic.Uintptr // 0: off
	probes chan struct{}  // nil: not told
}

func (f *createFault) set(errno syscall.Errno) { f.errno.Store(uintptr(errno)) }

func (f *createFault) String() string { return "createFault" }

func (f *createFault) MaybeError(op errorfs.Op) error {
	if op.Kind != errorfs.OpCreate {
		return nil
	}
	if f.probes != nil && strings.Contains(op.Path, "probe") {
		select {
		case f.probes <- struct{}{}:
		default:
		}
	}
	errno := syscall.Errno(f.errno.Load())
	switch {
	case errno == 0, f.suffix == "" && strings.HasSuffix(op.Path, ".log"),
		f.suffix != "" && !strings.HasSuffix(op.Path, f.suffix):
		return nil
	}
	return &os.PathError{Op: "open", Path: op.Path, Err: errno}
}

// healthEvents collects what a store passes to OnHealth.
type healthEvents chan error

func (h healthEvents) onHealth(err error) { h <- err }

// next returns the next change of Health, failing the test after 10 s.
func (h healthEvents) next(t *testing.T, what string) error {
	t.Helper()
	select {
	case err := <-h:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		return nil
	}
}

// bigMsg is a message of 64 KiB.
func bigMsg(seq uint64, tag string) store.Op {
	op := appendOp("q", seq)
	op.Msg.Data = append([]byte(tag), bytes.Repeat([]byte{'.'}, 64<<10)...)
	return op
}

// startOutage opens a store over fault (nil: one that fails every file
// creation but the log's) and sets errno: it writes messages 1, 2...
// until the engine, whose memtables filled up, fails to flush them and
// the store becomes unavailable. It returns the number of messages
// written. The engine flushes after some 32 MiB.
func startOutage(t *testing.T, dir string, fault *createFault, errno syscall.Errno) (*pebblestore.PebbleStore, *createFault, healthEvents, uint64) {
	t.Helper()
	const maxWrites = 1000 // 64 MiB, half the memtables' room
	if fault == nil {
		fault = &createFault{}
	}
	events := make(healthEvents, 64)
	s := openPebble(t, dir, pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, fault), OnHealth: events.onHealth})
	load(t, s)
	fault.set(errno)
	n := uint64(0)
	for n < maxWrites && len(events) == 0 {
		err := s.Write([]store.Op{bigMsg(n+1, "kept")}, true)
		if errors.Is(err, store.ErrStoreUnavailable) {
			break // refused before OnHealth said so
		}
		if err != nil {
			t.Fatalf("Write %d before the outage: %v", n+1, err)
		}
		n++
	}
	if err := events.next(t, "the store to become unavailable"); !errors.Is(err, store.ErrStoreUnavailable) {
		t.Fatalf("OnHealth after a flush short of descriptors: %v, want ErrStoreUnavailable", err)
	}
	return s, fault, events, n
}

// TestPebbleOutage runs a store out of descriptors when it flushes: it
// refuses writes with ErrStoreUnavailable, applying nothing, and reports
// it; once descriptors are back it takes writes again by itself, and what
// it confirmed survives a reopen, what it refused does not.
func TestPebbleOutage(t *testing.T) {
	dir := t.TempDir()
	s, fault, events, n := startOutage(t, dir, nil, syscall.EMFILE)
	t.Logf("the outage began after %d messages", n)

	err := s.Write([]store.Op{bigMsg(n+100, "refused")}, true)
	if !errors.Is(err, store.ErrStoreUnavailable) || !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("Write during the outage: %v, want ErrStoreUnavailable caused by EMFILE", err)
	}
	if err := s.Health(); !errors.Is(err, store.ErrStoreUnavailable) || errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("Health during the outage: %v, want ErrStoreUnavailable only", err)
	}
	if _, err := s.WriteNoWait([]store.Op{bigMsg(n+101, "refused")}); !errors.Is(err, store.ErrStoreUnavailable) {
		t.Fatalf("WriteNoWait during the outage: %v, want ErrStoreUnavailable", err)
	}

	fault.set(0)
	if err := events.next(t, "the store to recover"); err != nil {
		t.Fatalf("OnHealth after descriptors came back: %v, want nil", err)
	}
	if err := s.Health(); err != nil {
		t.Fatalf("Health after the outage: %v", err)
	}
	mustWrite(t, s, true, bigMsg(n+1, "kept"))
	w, err := s.WriteNoWait([]store.Op{bigMsg(n+2, "kept")})
	if err == nil {
		err = w.Wait()
	}
	if err != nil {
		t.Fatalf("pipelined write after the outage: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	recs := load(t, s)
	wantSeqs(t, recs, "q", seqRange(1, n+2)...)
	for _, r := range recs {
		if !bytes.HasPrefix(r.Msg.Data, []byte("kept")) {
			t.Fatalf("message %d holds %.10q, want what was confirmed", r.Msg.Seq, r.Msg.Data)
		}
	}
}

// TestPebbleCloseDuringOutage closes a store while it is out of
// descriptors: what it confirmed before is there after a reopen.
func TestPebbleCloseDuringOutage(t *testing.T) {
	dir := t.TempDir()
	s, _, _, n := startOutage(t, dir, nil, syscall.EMFILE)
	if err := s.Close(); err != nil {
		t.Fatalf("Close during an outage: %v", err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	wantSeqs(t, load(t, s), "q", seqRange(1, n)...)
}

// TestPebbleFailureDuringOutage makes the retried flush of a store out of
// descriptors fail for another cause (EIO): the failure is sticky and
// outlasts the outage.
func TestPebbleFailureDuringOutage(t *testing.T) {
	s, fault, events, n := startOutage(t, t.TempDir(), nil, syscall.EMFILE)
	fault.set(syscall.EIO)
	err := events.next(t, "the failed flush")
	if !errors.Is(err, store.ErrStoreFailed) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("OnHealth after a flush failed with EIO: %v, want ErrStoreFailed caused by EIO", err)
	}
	fault.set(0)
	if err := s.Write([]store.Op{bigMsg(n+1, "refused")}, true); !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("Write after the medium healed: %v, want the sticky ErrStoreFailed", err)
	}
	if err := s.Health(); !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("Health after the medium healed: %v, want the sticky ErrStoreFailed", err)
	}
}

// TestPebbleOutageUntilFlushed fills the disk for tables only: the
// store's checks can write their small file, but it stays unavailable
// until the engine's flush succeeds.
func TestPebbleOutageUntilFlushed(t *testing.T) {
	fault := &createFault{suffix: ".sst", probes: make(chan struct{}, 1)}
	s, _, events, n := startOutage(t, t.TempDir(), fault, syscall.ENOSPC)
	for i := range 3 {
		select {
		case <-fault.probes:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for check %d of the outage", i+1)
		}
	}
	if err := s.Health(); !errors.Is(err, store.ErrStoreUnavailable) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Health while tables cannot be written: %v, want ErrStoreUnavailable caused by ENOSPC", err)
	}
	fault.set(0)
	if err := events.next(t, "the store to recover"); err != nil {
		t.Fatalf("OnHealth after the disk was freed: %v, want nil", err)
	}
	mustWrite(t, s, true, bigMsg(n+1, "kept"))
}
