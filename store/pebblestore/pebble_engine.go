package pebblestore

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// floorMerger merges watermark values by taking the largest, and
// block and group counts (see blockCounts, groupCounts) by adding them. Writes that overlap may
// reach the log in another order than their batches were built in; with
// max, a watermark on disk never moves back. The name predates block
// counts and stays: the engine records it in its files.
var floorMerger = &pebble.Merger{
	Name: "teomq.max-uint64",
	Merge: func(key, value []byte) (pebble.ValueMerger, error) {
		if len(key) > 0 && (key[0] == pfxBlock || key[0] == pfxGroupCounts) {
			m := &sumMerger{}
			return m, m.MergeNewer(value)
		}
		m := &maxMerger{}
		return m, m.MergeNewer(value)
	},
}

type maxMerger struct{ v uint64 }

func (m *maxMerger) MergeNewer(value []byte) error {
	if len(value) != 8 {
		return fmt.Errorf("%w: watermark of %d bytes", store.ErrCorrupt, len(value))
	}
	m.v = max(m.v, binary.BigEndian.Uint64(value))
	return nil
}

func (m *maxMerger) MergeOlder(value []byte) error { return m.MergeNewer(value) }

func (m *maxMerger) Finish(includesBase bool) ([]byte, io.Closer, error) {
	return binary.BigEndian.AppendUint64(nil, m.v), nil, nil
}

// engineLogger adapts pebble's logger to slog. Pebble reports a failed
// write-ahead-log write or sync by calling Fatalf and then returning
// success from the commit; Fatalf here records the failure instead of
// exiting, and the store checks for it after each commit. Whatever pebble
// reports through Fatalf it does not retry (a log it could not write or
// sync, a MANIFEST it could not write or create, a broken invariant), so
// every Fatalf is the store's sticky failure, whatever its cause: after a
// failed fsync the state of the page cache is unknown, and after a failed
// log write the engine's log writer refuses every later record.
//
// Pebble's informational lines (WALs found and replayed at open, flushes,
// compactions) are the engine's internals: they go to debug. Its errors
// stay errors.
type engineLogger struct {
	log   *slog.Logger
	fatal func(error)
}

func (l engineLogger) Infof(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (l engineLogger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (l engineLogger) Fatalf(format string, args ...any) {
	l.fatal(fmt.Errorf("%w: pebble: %s", store.ErrStoreFailed, fmt.Sprintf(format, args...)))
}

// engineEvents is what the engine's listener reports to: the store.
type engineEvents interface {
	// setFailed makes err the store's sticky failure.
	setFailed(err error)
	// setUnavailable starts an outage caused by the shortage cause.
	setUnavailable(cause error)
	// flushEnded says how the engine's last flush ended.
	flushEnded(err error)
}

// engineListener sorts the engine's background trouble. A resource
// shortage (see isShortage) met by a flush, a compaction or the loading
// of table statistics, all of which the engine retries, makes the store
// unavailable until it recovers; any other background error, and a table
// found corrupt, is the store's sticky failure. Either way writes then
// fail fast instead of stalling once the memtables fill up. Repeats are
// logged at most once a second.
func engineListener(log *slog.Logger, ev engineEvents) *pebble.EventListener {
	var lastLog atomic.Int64 // unix nanoseconds of the last background error logged
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			if isShortage(err) {
				ev.setUnavailable(fmt.Errorf("pebble background: %w", err))
			} else {
				ev.setFailed(fmt.Errorf("%w: pebble background: %w", store.ErrStoreFailed, err))
			}
			now := time.Now().UnixNano()
			if last := lastLog.Load(); now-last >= int64(time.Second) && lastLog.CompareAndSwap(last, now) {
				log.Error("store: background error", "component", "pebble", "err", err.Error())
			}
		},
		FlushEnd: func(info pebble.FlushInfo) { ev.flushEnded(info.Err) },
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			ev.setFailed(fmt.Errorf("%w: %w: %s: %s", store.ErrStoreFailed, store.ErrCorrupt, info.Path, info.Details.Error()))
		},
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			log.Warn("store: write stall", "component", "pebble", "reason", info.Reason)
		},
		WriteStallEnd: func() {
			log.Info("store: write stall ended", "component", "pebble")
		},
		DiskSlow: func(info pebble.DiskSlowInfo) {
			log.Warn("store: disk slow", "component", "pebble", "path", info.Path,
				"op", info.OpType.String(), "duration", info.Duration)
		},
	}
}
