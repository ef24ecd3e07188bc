package pebblestore

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// TestPebbleReadsKeysWithoutProducer checks that mailbox and dedup
// records written before their keys named the producer still load (with
// the producer their answer names) and that a mailbox delete by producer
// removes such a record.
func TestPebbleReadsKeysWithoutProducer(t *testing.T) {
	dir := t.TempDir()
	if err := mustOpen(t, dir).Close(); err != nil {
		t.Fatal(err)
	}
	live := time.Now().Add(time.Hour).UnixMilli()
	mailID, answeredID, seenID := [16]byte{1}, [16]byte{2}, [16]byte{3}
	answer := func(id [16]byte, data string) *store.Answer {
		return &store.Answer{ID: id, Producer: "alice", From: "c", Data: []byte(data)}
	}
	oldDedupKey := func(id [16]byte) []byte {
		return append(binary.BigEndian.AppendUint64([]byte{pfxDedup}, uint64(live)), id[:]...)
	}
	db := openRaw(t, dir)
	b := db.NewBatch()
	_ = b.Set(append([]byte{pfxMailbox}, mailID[:]...), appendMailbox(nil, live, answer(mailID, "mail")), nil)
	_ = b.Set(oldDedupKey(answeredID), appendDedup(nil, answer(answeredID, "kept")), nil)
	_ = b.Set(oldDedupKey(seenID), appendDedup(nil, nil), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := mustOpen(t, dir)
	got := make(map[[16]byte]*store.Record)
	if err := s.Load(func(r *store.Record) error { got[r.ID] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id       [16]byte
		kind     store.Kind
		producer string
		data     string
	}{
		{mailID, store.KindMailbox, "alice", "mail"},
		{answeredID, store.KindDedup, "alice", "kept"},
		{seenID, store.KindDedup, "", ""},
	} {
		r := got[tc.id]
		if r == nil || r.Kind != tc.kind || r.Producer != tc.producer || r.Expires != live {
			t.Fatalf("record %x: %+v", tc.id, r)
		}
		if tc.data != "" && (r.Answer == nil || string(r.Answer.Data) != tc.data) {
			t.Fatalf("record %x: answer %+v", tc.id, r.Answer)
		}
	}

	if err := s.Write([]store.Op{{Kind: store.KindMailboxDelete, ID: mailID, Producer: "alice"}}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	if err := s.Load(func(r *store.Record) error {
		if r.Kind == store.KindMailbox {
			t.Fatalf("deleted mailbox answer loaded: %+v", r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMessageValueVersions checks that a message without an answer group
// is written exactly as before answer groups existed (version 1), and one
// with an answer group round-trips in version 2.
func TestMessageValueVersions(t *testing.T) {
	m := &store.Message{ID: [16]byte{9}, Deadline: 7, Flags: 1, Attempt: 3, From: "p", Data: []byte("data")}
	v1 := appendMessage(nil, m)
	var want []byte
	want = append(want, 1)
	want = append(want, m.ID[:]...)
	want = binary.BigEndian.AppendUint64(want, 7)
	want = append(want, 1, 3, 1, 'p')
	want = append(want, "data"...)
	if !bytes.Equal(v1, want) {
		t.Fatalf("value %x, want the version 1 layout %x", v1, want)
	}
	m.AnswerGroup = "audit"
	v2 := appendMessage(nil, m)
	if v2[0] != messageAnswerGroupV {
		t.Fatalf("version %d", v2[0])
	}
	got, err := decodeMessage(v2, "q", 5)
	if err != nil || got.AnswerGroup != "audit" || string(got.Data) != "data" || got.From != "p" || got.Attempt != 3 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	if _, err := decodeMessage(append([]byte{3}, v2[1:]...), "q", 5); err == nil {
		t.Fatal("unknown version decoded")
	}
}
