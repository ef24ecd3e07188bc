package teomq

import (
	"errors"
	"testing"

	"github.com/teonet-go/teomq/store"
)

// A pipelined load applies every record load gave, in order and as it was
// when given, though load reuses one record for all of them, and returns
// load's error once the records given before it are applied.
func TestLoadPipelinedAppliesEveryRecordInOrder(t *testing.T) {
	const n = 3*restoreBatch + 7
	errStop := errors.New("stop")
	for _, fail := range []bool{false, true} {
		load := func(fn func(*store.Record) error) error {
			var r store.Record // reused, as LoadHead reuses its tail records
			for i := range n {
				r = store.Record{Kind: store.KindSeq, Command: "cmd", Seq: uint64(i)}
				if err := fn(&r); err != nil {
					return err
				}
			}
			if fail {
				return errStop
			}
			return nil
		}
		var prepared int
		prepare := func(r *store.Record) {
			prepared++
			r.Command = "prepared"
		}
		var got []uint64
		apply := func(r *store.Record) {
			if r.Command != "prepared" {
				t.Errorf("record %d applied unprepared", r.Seq)
			}
			got = append(got, r.Seq)
		}
		err := loadPipelined(load, prepare, apply)
		if fail != errors.Is(err, errStop) {
			t.Fatalf("load failing %v: loadPipelined returned %v", fail, err)
		}
		if prepared != n || len(got) != n {
			t.Fatalf("%d records: %d prepared, %d applied", n, prepared, len(got))
		}
		for i, seq := range got {
			if seq != uint64(i) {
				t.Fatalf("record %d applied as %d: %v...", i, seq, got[max(i-2, 0):i+1])
			}
		}
	}
}

// A panic while applying a record reaches loadPipelined's caller, once
// load is done, and leaves load to finish: it does not wait for a
// goroutine that stopped applying.
func TestLoadPipelinedRaisesAPanicOfApplyOnTheCaller(t *testing.T) {
	const n = 5 * restoreBatch
	loaded := 0
	load := func(fn func(*store.Record) error) error {
		for i := range n {
			loaded++
			if err := fn(&store.Record{Kind: store.KindSeq, Seq: uint64(i)}); err != nil {
				return err
			}
		}
		return nil
	}
	apply := func(r *store.Record) {
		if r.Seq == restoreBatch+1 {
			panic("bad record")
		}
	}
	got := func() (p any) {
		defer func() { p = recover() }()
		_ = loadPipelined(load, func(*store.Record) {}, apply)
		return nil
	}()
	if got != "bad record" || loaded != n {
		t.Fatalf("apply panicked at record %d: the caller recovered %v after %d of %d records loaded", restoreBatch+1, got, loaded, n)
	}
}
