package store

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// floorMerger merges watermark values by taking the largest. Writes that
// overlap may reach the log in another order than their ack batches were
// built in; with max, a watermark on disk never moves back.
var floorMerger = &pebble.Merger{
	Name: "teomq.max-uint64",
	Merge: func(key, value []byte) (pebble.ValueMerger, error) {
		m := &maxMerger{}
		return m, m.MergeNewer(value)
	},
}

type maxMerger struct{ v uint64 }

func (m *maxMerger) MergeNewer(value []byte) error {
	if len(value) != 8 {
		return fmt.Errorf("%w: watermark of %d bytes", ErrCorrupt, len(value))
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
// exiting, and the store checks for it after each commit.
type engineLogger struct {
	log   *slog.Logger
	fatal func(error)
}

func (l engineLogger) Infof(format string, args ...any) {
	l.log.Info(fmt.Sprintf(format, args...), "component", "pebble")
}

func (l engineLogger) Errorf(format string, args ...any) {
	l.log.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (l engineLogger) Fatalf(format string, args ...any) {
	l.fatal(fmt.Errorf("%w: pebble: %s", ErrStoreFailed, fmt.Sprintf(format, args...)))
}

// engineListener turns the engine's background trouble into the store's
// sticky failure: a flush or compaction that cannot write its table
// (pebble retries it at once, without end) or a table found corrupt. Writes
// then fail fast instead of stalling once the memtables fill up. Repeats
// are logged at most once a second.
func engineListener(log *slog.Logger, fatal func(error)) *pebble.EventListener {
	var lastLog atomic.Int64 // unix nanoseconds of the last background error logged
	return &pebble.EventListener{
		BackgroundError: func(err error) {
			fatal(fmt.Errorf("%w: pebble background: %s", ErrStoreFailed, err.Error()))
			now := time.Now().UnixNano()
			if last := lastLog.Load(); now-last >= int64(time.Second) && lastLog.CompareAndSwap(last, now) {
				log.Error("store: background error", "component", "pebble", "err", err.Error())
			}
		},
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			fatal(fmt.Errorf("%w: %w: %s: %s", ErrStoreFailed, ErrCorrupt, info.Path, info.Details.Error()))
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
