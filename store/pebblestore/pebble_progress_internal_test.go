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

// A store of the format before progress records (version 1) is upgraded
// at open, and whatever progress records it holds are rebuilt, not
// trusted: a version 1 binary that ran on the store after a newer one
// changed messages without counting them. Here such a binary acked
// (deleted) one message of a counted block; the restart must not count
// it in the tail.
func TestUpgradeDropsStaleProgress(t *testing.T) {
	const n = 3 * 4096
	write := func(dir string) *PebbleStore {
		s := mustOpen(t, dir)
		var ops []store.Op
		for seq := uint64(1); seq <= n; seq++ {
			ops = append(ops, testMessage(seq))
		}
		if err := s.Write(ops, true); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The truth: the same messages, seq 5000 acked by this binary.
	ref := write(t.TempDir())
	if err := ref.Write([]store.Op{{Kind: store.KindAck, Command: "q", Seq: 5000, Last: true, Size: len(testMessage(5000).Msg.Data)}}, true); err != nil {
		t.Fatal(err)
	}
	wantFull, wantTail := tailOf(t, ref, 4)

	dir := t.TempDir()
	s := write(dir)
	cmd := s.idx.cmds["q"].id
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := openRaw(t, dir) // a version 1 binary acks seq 5000 without counting it
	if err := db.Delete(appendQueueKey(nil, cmd, laneMain, 5000, subMsg, ""), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Set(versionKey, []byte{formatWithoutProgress}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir)
	full, tail := tailOf(t, s, 4)
	if fmt.Sprint(full) != fmt.Sprint(wantFull) || tail != wantTail {
		t.Fatalf("after the upgrade: %v %s; want %v %s", full, tail, wantFull, wantTail)
	}
	v, closer, err := s.db.Get(versionKey)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if len(v) != 1 || v[0] != formatVersion {
		t.Fatalf("format after the upgrade %x, want %d", v, formatVersion)
	}
}

// A block that holds only the sub-keys of a message that is gone (no
// message, so no counts, as a store upgraded from the format before
// progress records may have it) past the last counted block is still
// read at open: its seq is known to be taken, so a message stored at it
// later does not inherit the old acks.
func TestLoadReadsUncountedBlockOfOrphanKeys(t *testing.T) {
	SetBlockShift(t, 3) // blocks of 8 seqs
	dir := t.TempDir()
	s := mustOpen(t, dir)
	var ops []store.Op
	for seq := uint64(1); seq <= 8; seq++ {
		ops = append(ops, testMessage(seq))
	}
	ops = append(ops, testMessage(17))
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]store.Op{{Kind: store.KindAck, Command: "q", Group: "a", Seq: 17}}, true); err != nil {
		t.Fatal(err)
	}
	cmd := s.idx.cmds["q"].id
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := openRaw(t, dir) // message 17 gone, its ack left, block 2 uncounted
	if err := db.Delete(appendQueueKey(nil, cmd, laneMain, 17, subMsg, ""), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(blockKey(cmd, 2), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir)
	tailOf(t, s, 100)
	if err := s.Write([]store.Op{testMessage(17)}, true); err != nil {
		t.Fatal(err)
	}
	err := s.Load(func(r *store.Record) error {
		if r.Kind == store.KindMessage && r.Msg.Seq == 17 && len(r.AckedBy) > 0 {
			t.Errorf("the new message 17 is acked by %v: it inherited the old message's ack", r.AckedBy)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
