package pebblestore_test

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// TestPebblePipelinedWrites starts synced writes back to back from one
// goroutine without waiting: they share fsyncs, and once waited for they
// are all there after a reopen, in order.
func TestPebblePipelinedWrites(t *testing.T) {
	const n = 200
	dir := t.TempDir()
	syncs := &walFault{kind: errorfs.OpFileSyncData}
	s := openPebble(t, dir, pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, syncs)})
	load(t, s)
	before := syncs.hits.Load()
	writes := make([]store.SyncedWrite, 0, n)
	for seq := uint64(1); seq <= n; seq++ {
		w, err := s.WriteNoWait([]store.Op{appendOp("q", seq)})
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, w)
	}
	for i, w := range writes {
		if err := w.Wait(); err != nil {
			t.Fatalf("write %d: %v", i+1, err)
		}
	}
	if fsyncs := syncs.hits.Load() - before; fsyncs >= n/2 {
		t.Errorf("%d pipelined writes took %d fsyncs; want them shared", n, fsyncs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPebble(t, dir, pebblestore.PebbleOptions{})
	wantSeqs(t, load(t, s), "q", seqRange(1, n)...)
}

// TestPebblePipelinedWriteErrors checks that a bad op is refused before
// anything is applied, that a failed sync reaches Wait and sticks, and
// that a closed store refuses to start a write.
func TestPebblePipelinedWriteErrors(t *testing.T) {
	syncs := &walFault{kind: errorfs.OpFileSyncData}
	s := openPebble(t, t.TempDir(), pebblestore.PebbleOptions{FS: errorfs.Wrap(vfs.Default, syncs)})
	load(t, s)
	if _, err := s.WriteNoWait([]store.Op{appendOp("q", 1), {Kind: store.KindMessage, Command: "q", Seq: 2}}); !errors.Is(err, store.ErrInvalidOp) {
		t.Fatalf("WriteNoWait with a message op lacking its message: %v, want ErrInvalidOp", err)
	}
	syncs.on.Store(true)
	w, err := s.WriteNoWait([]store.Op{appendOp("q", 1)})
	if err == nil {
		err = w.Wait()
	}
	if !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("pipelined write on a failing disk: %v, want ErrStoreFailed", err)
	}
	if _, err := s.WriteNoWait([]store.Op{appendOp("q", 2)}); !errors.Is(err, store.ErrStoreFailed) {
		t.Fatalf("write after the failure: %v, want the sticky ErrStoreFailed", err)
	}
	_ = s.Close()
	if _, err := s.WriteNoWait([]store.Op{appendOp("q", 3)}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("WriteNoWait after Close: %v, want ErrClosed", err)
	}
}
