package pebblestore_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// impl is a Store implementation under the conformance suite.
type impl struct {
	name string
	// open returns a store over the state kept in dir.
	open func(t testing.TB, dir string) store.Store
	// durable is true when closing and opening again keeps the state.
	durable bool
}

func impls() []impl {
	return []impl{
		{
			name: "memory",
			open: func(t testing.TB, dir string) store.Store { return store.NewMemory() },
		},
		{
			name: "pebble",
			open: func(t testing.TB, dir string) store.Store {
				return openPebble(t, dir, pebblestore.PebbleOptions{})
			},
			durable: true,
		},
	}
}

// fixture is one store under test.
type fixture struct {
	t   testing.TB
	im  impl
	dir string
	s   store.Store
}

func newFixture(t testing.TB, im impl) *fixture {
	f := &fixture{t: t, im: im, dir: t.TempDir()}
	f.s = im.open(t, f.dir)
	return f
}

// reopen closes the store and opens it again, for a durable store; a
// MemoryStore, whose state ends with it, is kept as it is.
func (f *fixture) reopen() {
	f.t.Helper()
	if !f.im.durable {
		return
	}
	if err := f.s.Close(); err != nil {
		f.t.Fatalf("Close: %v", err)
	}
	f.s = f.im.open(f.t, f.dir)
}

func (f *fixture) write(sync bool, ops ...store.Op) {
	f.t.Helper()
	mustWrite(f.t, f.s, sync, ops...)
}

func (f *fixture) load() []*store.Record {
	f.t.Helper()
	return load(f.t, f.s)
}

// openPebble opens a PebbleStore in dir that logs nowhere, closed at the
// end of the test.
func openPebble(t testing.TB, dir string, opts pebblestore.PebbleOptions) *pebblestore.PebbleStore {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	s, err := pebblestore.OpenPebble(dir, opts)
	if err != nil {
		t.Fatalf("OpenPebble: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// msgID makes a message ID that names its command and seq.
func msgID(cmd string, seq uint64) [16]byte {
	var id [16]byte
	copy(id[:8], cmd)
	binary.BigEndian.PutUint64(id[8:], seq)
	return id
}

func newMsg(cmd string, seq uint64) *store.Message {
	return &store.Message{
		Command: cmd,
		Seq:     seq,
		ID:      msgID(cmd, seq),
		From:    "producer-" + cmd,
		Data:    fmt.Appendf(nil, "%s/%d", cmd, seq),
	}
}

func appendOp(cmd string, seq uint64) store.Op {
	return store.Op{Kind: store.KindMessage, Command: cmd, Seq: seq, Msg: newMsg(cmd, seq)}
}

func ackOp(cmd string, seq uint64, group string, last bool) store.Op {
	return store.Op{Kind: store.KindAck, Command: cmd, Seq: seq, Group: group, Last: last}
}

func appends(cmd string, seqs ...uint64) []store.Op {
	ops := make([]store.Op, len(seqs))
	for i, seq := range seqs {
		ops[i] = appendOp(cmd, seq)
	}
	return ops
}

func lastAcks(cmd string, seqs ...uint64) []store.Op {
	ops := make([]store.Op, len(seqs))
	for i, seq := range seqs {
		ops[i] = ackOp(cmd, seq, "", true)
	}
	return ops
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func mustWrite(t testing.TB, s store.Store, sync bool, ops ...store.Op) {
	t.Helper()
	if err := s.Write(ops, sync); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// load returns what s.Load gives but the KindSeq records, which
// testSeqContinues checks.
func load(t testing.TB, s store.Store) []*store.Record {
	t.Helper()
	var recs []*store.Record
	if err := s.Load(func(r *store.Record) error {
		if r.Kind != store.KindSeq {
			recs = append(recs, r)
		}
		return nil
	}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return recs
}

// messageSeqs returns the seqs of cmd's message records, in Load order.
func messageSeqs(recs []*store.Record, cmd string) []uint64 {
	var seqs []uint64
	for _, r := range recs {
		if r.Kind == store.KindMessage && r.Command == cmd {
			seqs = append(seqs, r.Msg.Seq)
		}
	}
	return seqs
}

func wantSeqs(t testing.TB, recs []*store.Record, cmd string, want ...uint64) {
	t.Helper()
	if got := messageSeqs(recs, cmd); !slices.Equal(got, want) {
		t.Fatalf("messages of %q: got %v, want %v", cmd, got, want)
	}
}

func wantRecords(t testing.TB, got, want []*store.Record) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	i := 0
	for i < min(len(got), len(want)) && reflect.DeepEqual(got[i], want[i]) {
		i++
	}
	t.Fatalf("records differ from #%d of %d (want %d):\ngot:\n%s\nwant:\n%s",
		i, len(got), len(want), dump(got[i:min(i+3, len(got))]), dump(want[i:min(i+3, len(want))]))
}

func dump(recs []*store.Record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "  %v cmd=%q group=%q id=%x producer=%q exp=%d acked=%q attempts=%v",
			r.Kind, r.Command, r.Group, r.ID, r.Producer, r.Expires, r.AckedBy, r.Attempts)
		if r.Msg != nil {
			fmt.Fprintf(&b, " msg=%+v", *r.Msg)
		}
		if r.Answer != nil {
			fmt.Fprintf(&b, " answer=%+v", *r.Answer)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// future returns a unix-millisecond time d from now.
func future(d time.Duration) int64 { return time.Now().Add(d).UnixMilli() }
