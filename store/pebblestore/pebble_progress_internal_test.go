package pebblestore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// tailOf returns what LoadHead(head) gives: the seqs of the full messages
// of "q", and its store.KindTail record as text.
func tailOf(t *testing.T, s *PebbleStore, head int) (full []uint64, tail string) {
	t.Helper()
	err := s.LoadHead(head, func(flags uint8, deadline int64) bool { return flags == 0 && deadline == 0 }, func(r *store.Record) error {
		switch r.Kind {
		case store.KindMessage:
			full = append(full, r.Msg.Seq)
		case store.KindTail:
			tail = fmt.Sprintf("tail %d-%d count %d size %d", r.Seq, r.Last, r.Count, r.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return full, tail
}

// A store written before progress records (none, and no progress key) is
// read in full at its first Load, which gives what the records would
// have, and writes them: the next Load counts the backlog from them.
func TestLoadWritesMissingProgress(t *testing.T) {
	const n = 3 * 4096
	dir := t.TempDir()
	s := mustOpen(t, dir)
	var ops []store.Op
	for seq := uint64(1); seq <= n; seq++ {
		ops = append(ops, testMessage(seq))
	}
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]store.Op{{Kind: store.KindAck, Command: "q", Seq: 5000, Last: true, Size: len(ops[4999].Msg.Data)}}, true); err != nil {
		t.Fatal(err)
	}
	wantFull, wantTail := tailOf(t, s, 4)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db := openRaw(t, dir) // as a store written before progress records
	if err := db.DeleteRange([]byte{pfxBlock}, []byte{pfxBlock + 1}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(progressKey, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir)
	full, tail := tailOf(t, s, 4)
	if fmt.Sprint(full) != fmt.Sprint(wantFull) || tail != wantTail {
		t.Fatalf("first Load without progress records: %v %s; want %v %s", full, tail, wantFull, wantTail)
	}
	if _, closer, err := s.db.Get(progressKey); err != nil {
		t.Fatalf("no progress key after the first Load: %v", err)
	} else {
		_ = closer.Close()
	}
	v, closer, err := s.db.Get(blockKey(1, 1))
	if errors.Is(err, pebble.ErrNotFound) {
		t.Fatal("no counts of block 1 after the first Load")
	} else if err != nil {
		t.Fatal(err)
	}
	got, err := decodeBlockCounts(v)
	_ = closer.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want blockCounts // seqs 4096..8191 but 5000
	for seq := uint64(4096); seq < 8192; seq++ {
		if seq != 5000 {
			want.add(blockCounts{n: 1, bytes: int64(len(ops[seq-1].Msg.Data))})
		}
	}
	if got != want {
		t.Fatalf("counts of block 1 after the first Load: %+v, want %+v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	if full, tail := tailOf(t, s, 4); fmt.Sprint(full) != fmt.Sprint(wantFull) || tail != wantTail {
		t.Fatalf("Load with the progress records written: %v %s; want %v %s", full, tail, wantFull, wantTail)
	}
}
