package pebblestore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/teonet-go/teomq/store"
)

// Durability says when a PebbleStore makes a write durable.
type Durability uint8

const (
	// DurabilitySync makes Write(ops, true) return only after the write-ahead
	// log is fsync'd. Concurrent writers share one fsync (group commit). A
	// confirmed write survives kill -9 and power loss.
	DurabilitySync Durability = iota
	// DurabilityInterval writes without syncing and fsyncs the write-ahead
	// log every SyncInterval in the background. Write(ops, true) returns
	// once the ops are in the log buffer. A process crash may lose the
	// writes of the last moments; a power loss may lose up to SyncInterval.
	DurabilityInterval
)

// String returns "sync" or "interval".
func (d Durability) String() string {
	switch d {
	case DurabilitySync:
		return "sync"
	case DurabilityInterval:
		return "interval"
	}
	return fmt.Sprintf("durability(%d)", uint8(d))
}

// DefaultSyncInterval is the SyncInterval of DurabilityInterval when none is
// set: short enough that a power loss costs little, long enough that a busy
// broker syncs a few hundred writes at a time.
const DefaultSyncInterval = 10 * time.Millisecond

// DefaultSyncDelay is the SyncDelay when none is set. Measured with 64
// concurrent requesters on 2 vCPUs, with the processors busy: no delay
// gave 7.5 messages per sync and 12.7k requests/s; 500µs gave 21 per sync
// and 17k requests/s; 1 ms less again.
const DefaultSyncDelay = 500 * time.Microsecond

// PebbleOptions configures OpenPebble. The zero value is valid: synced
// writes on the operating system's file system, logging to slog.Default.
type PebbleOptions struct {
	// Durability says when writes become durable; default DurabilitySync.
	Durability Durability
	// SyncInterval is the period of background syncs in DurabilityInterval;
	// default DefaultSyncInterval. It must not be negative.
	SyncInterval time.Duration
	// SyncDelay is how long, in DurabilitySync, the log waits after a sync
	// before it starts the next one, when more than one message was written
	// with sync since the sync before (concurrent producers) and the
	// process keeps its processors busy: the writes that arrive meanwhile
	// share the next sync, which leaves the processors the work of the
	// syncs saved (PostgreSQL's commit_delay). A lone producer, or a
	// process with processor time to spare, never waits. Default
	// DefaultSyncDelay; negative: never.
	SyncDelay time.Duration
	// Logger receives the store's and the storage engine's logs; default
	// slog.Default().
	Logger *slog.Logger
	// FS is the file system the store lives on; default vfs.Default. Tests
	// inject faults through it.
	FS vfs.FS
	// OnHealth, if set, is called with what Health returns each time that
	// changes: the error when the store becomes unavailable or fails, nil
	// when it is available again. Calls come one at a time from the
	// store's own goroutine, never after Close returns; changes in quick
	// succession may be reported once, with the latest state. It must not
	// block for long: the store's recovery waits for it.
	OnHealth func(error)
}

// Engine tuning for teomq's workload: small values written at a high rate
// that mostly die young (a message is acked soon after it is queued).
const (
	// A large memtable lets most messages be deleted before they are ever
	// flushed (a flush drops what the watermark's range deletion covers)
	// and spaces out flushes. Measured with 64 synced writers: 4 MB (the
	// engine's default) ~58k appends/s, 16 MB ~66k, 32 MB ~80k, 64 MB
	// ~79k; recovery of 1M messages ~1 s for each, the memtable replayed
	// at open adding its size to the resident set.
	memTableSize = 32 << 20
	// Up to four memtables (128 MB) may wait for flush before writes stall.
	memTableStopWrites = 4
	// sweepEvery is how far (in seqs) a watermark moves before the keys
	// below it are range-deleted: one tombstone per this many acks.
	sweepEvery = 1024
	// dedupSweepInterval is how often a write also range-deletes the
	// expired dedup records.
	dedupSweepInterval = 30 * time.Second
	// maxOpenFiles bounds the engine's open files (its table cache, which
	// has at least 64, plus its logs and manifest) to fit the broker's
	// smallest descriptor reserve (128, internal/fdlimit) beside the
	// listeners and logs; the engine's default is 1000.
	maxOpenFiles = 96
)

// withDefaults validates o and fills in its defaults.
func (o PebbleOptions) withDefaults() (PebbleOptions, error) {
	if o.Durability > DurabilityInterval {
		return o, fmt.Errorf("%w: unknown durability %d", store.ErrInvalidOptions, o.Durability)
	}
	if o.SyncInterval < 0 {
		return o, fmt.Errorf("%w: negative SyncInterval %v", store.ErrInvalidOptions, o.SyncInterval)
	}
	if o.SyncDelay == 0 {
		o.SyncDelay = DefaultSyncDelay
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	return o, nil
}

// engineOptions returns the pebble options of a store. The logger and
// listener sort the engine's errors into the store's outages and its
// sticky failure; syncDelay spaces the log's syncs; gate schedules its
// compactions (one gate per open).
func (o PebbleOptions) engineOptions(logger pebble.Logger, listener *pebble.EventListener, syncDelay func() time.Duration, gate *compactionGate) *pebble.Options {
	eo := &pebble.Options{
		FS:                          pacedFS{o.FS},
		Logger:                      logger,
		EventListener:               listener,
		Merger:                      floorMerger,
		FormatMajorVersion:          pebble.FormatNewest,
		MemTableSize:                memTableSize,
		MemTableStopWritesThreshold: memTableStopWrites,
		WALMinSyncInterval:          syncDelay,
		MaxOpenFiles:                maxOpenFiles,
	}
	eo.Experimental.CompactionScheduler = gate
	return eo
}
