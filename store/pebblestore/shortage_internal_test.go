package pebblestore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/teonet-go/teomq/store"
)

// eventRecorder records what the engine's listener reports.
type eventRecorder struct {
	failed, unavailable error
	flushShort          bool
}

func (r *eventRecorder) setFailed(err error)        { r.failed = err }
func (r *eventRecorder) setUnavailable(cause error) { r.unavailable = cause }
func (r *eventRecorder) flushEnded(err error)       { r.flushShort = isShortage(err) }

// TestEngineListenerSortsErrors checks which background errors of the
// engine make the store unavailable for a while and which fail it.
func TestEngineListenerSortsErrors(t *testing.T) {
	pathErr := func(errno syscall.Errno) error {
		return fmt.Errorf("creating object 000005: %w", &os.PathError{Op: "open", Path: "000005.sst", Err: errno})
	}
	cases := []struct {
		name      string
		err       error
		transient bool
	}{
		{"descriptors out", pathErr(syscall.EMFILE), true},
		{"system descriptors out", pathErr(syscall.ENFILE), true},
		{"disk full", pathErr(syscall.ENOSPC), true},
		{"quota full", pathErr(syscall.EDQUOT), true},
		{"memory out", pathErr(syscall.ENOMEM), true},
		{"input/output error", pathErr(syscall.EIO), false},
		{"read-only file system", pathErr(syscall.EROFS), false},
		{"injected", errorfs.ErrInjected, false},
		{"corruption", fmt.Errorf("table 000005: %w", pebble.ErrCorruption), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &eventRecorder{}
			l := engineListener(quiet(), r)
			l.BackgroundError(tc.err)
			l.FlushEnd(pebble.FlushInfo{Err: tc.err})
			switch {
			case tc.transient && (r.failed != nil || !errors.Is(r.unavailable, tc.err) || !r.flushShort):
				t.Fatalf("failed %v, unavailable %v, flush short %v; want an outage", r.failed, r.unavailable, r.flushShort)
			case !tc.transient && (r.unavailable != nil || !errors.Is(r.failed, store.ErrStoreFailed) || !errors.Is(r.failed, tc.err) || r.flushShort):
				t.Fatalf("failed %v, unavailable %v, flush short %v; want the sticky failure", r.failed, r.unavailable, r.flushShort)
			}
		})
	}
	r := &eventRecorder{flushShort: true}
	engineListener(quiet(), r).FlushEnd(pebble.FlushInfo{})
	if r.flushShort {
		t.Fatal("a flush that succeeded left the flush short")
	}
}
