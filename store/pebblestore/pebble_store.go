package pebblestore

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// PebbleStore is the durable Store, kept in a pebble LSM tree under one
// directory. See the key layout in pebble_keys.go.
//
// Writes build a pebble batch under the store's index lock (which tracks
// each command's undone messages and ack watermark in memory) and commit it
// outside the lock, so that concurrent synced writes share one fsync of the
// write-ahead log.
//
// A shortage of resources is not a failure: while the engine's background
// work (flushes, compactions) cannot create or write its files for lack of
// descriptors, disk space or memory, Write returns ErrStoreUnavailable at
// once, applying nothing, and Health reports it. The engine retries that
// work; the store checks with growing pauses that it can write a file
// again, and takes writes again by itself once it can (see prober).
//
// Medium failures are sticky: once a write or sync of the log fails, or
// background work fails for another reason than a shortage, Write returns
// ErrStoreFailed at once and Health reports it; the broker reports the
// failure and an operator restarts it once the medium is sound. A failed
// log write or sync stays sticky whatever its cause, even a full disk: the
// engine's log writer refuses every record after a failed one, and after
// a failed fsync the state of the page cache is unknown. Such a write
// returns the failure, so nothing that the log did not take is confirmed.
// Creating a new write-ahead log is the one file creation that a shortage
// can break for good: the engine panics if it fails. It happens when a
// memtable fills up, closes the old log first, so it needs no more
// descriptors than before, and is not reached during an outage, since
// writes are refused.
//
// Damaged files: the newest write-ahead log is replayed up to its first
// damaged record and the store opens with everything before it; the engine
// logs the file and the offset where it stopped ("WAL 000123 stopped
// reading at offset ..."). For a torn tail (a crash mid-write) that loses
// only unconfirmed writes; bytes flipped in the middle of the log lose the
// records after them as well. A damaged table file makes OpenPebble or
// Load fail with an error wrapping ErrCorrupt that names the file.
//
// PebbleStore is safe for concurrent use.
type PebbleStore struct {
	db     *pebble.DB
	dir    string
	opts   PebbleOptions
	log    *slog.Logger
	failed atomic.Pointer[failure] // the sticky failure
	outage atomic.Pointer[failure] // the outage under way
	prober *prober
	done   atomic.Bool     // Close was called
	syncer *intervalSyncer // nil in DurabilitySync
	// syncing counts the messages of synced writes started since the log's
	// last sync.
	syncing atomic.Int64
	cpuLoad loadMeter // whether to pause between syncs
	// releaseDir ends this process's claim on dir (see claimDir).
	releaseDir func()

	// syncMessages counts the messages each sync of the log made durable.
	syncMessages countHistogram

	mu      sync.Mutex // guards the fields below and the index
	idx     index
	closed  bool
	writers sync.WaitGroup // writes committing outside mu; Close and Load wait for them
	touched []*command     // commands whose watermark the current batch moved
	scratch batchWriter    // the batch being built
	// superseded is the Last acks of the batch being built.
	superseded superseded
	sweptAt    time.Time // last range deletion of expired dedup records
}

var _ store.Store = (*PebbleStore)(nil)

// index is what the store knows of its keys without reading them.
type index struct {
	built  bool
	cmds   map[string]*command
	nextID uint32
}

// command is one command's ID and live state.
type command struct {
	id   uint32
	name string
	liveMap
	floorWritten uint64 // the watermark as last put in a batch
	touched      bool   // in PebbleStore.touched
}

// OpenPebble opens (creating if needed) the store in dir. It returns
// ErrInvalidOptions for bad options, ErrFormat for a store of an unknown
// format, and an error wrapping ErrCorrupt when the engine finds damaged
// files it cannot open around; such errors name the file. A directory
// another open store holds, in this process or another, gets a
// *DirInUseError naming the holder.
//
// Call Load once before the first Write. The store builds its in-memory
// index of undone messages during Load (or during the first Write, if Load
// was skipped).
func OpenPebble(dir string, opts PebbleOptions) (*PebbleStore, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &PebbleStore{dir: dir, opts: opts, log: opts.Logger, cpuLoad: loadMeter{cpuTime: processCPUTime}}
	s.prober = newProber(s, opts.OnHealth)
	s.log.Info("store: opening", "dir", dir, "durability", opts.Durability.String())
	if s.releaseDir, err = claimDir(dir); err != nil {
		return nil, err
	}
	gate := newCompactionGate()
	eo := opts.engineOptions(engineLogger{log: s.log, fatal: s.setFailed},
		engineListener(s.log, s), s.syncDelay, gate)
	s.db, err = pebble.Open(dir, eo)
	if err != nil {
		gate.shutdown()
		s.releaseDir()
		if inUse := inUseError(dir); inUse != nil {
			return nil, inUse
		}
		return nil, engineError("open", dir, err)
	}
	gate.release()
	if err := s.checkFormat(); err != nil {
		_ = s.db.Close()
		s.releaseDir()
		return nil, err
	}
	s.prober.start()
	if opts.Durability == DurabilityInterval {
		s.syncer = startIntervalSyncer(s, opts.SyncInterval)
	}
	return s, nil
}

// checkFormat refuses a store of another format and marks a new one.
func (s *PebbleStore) checkFormat() error {
	v, closer, err := s.db.Get(versionKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		if err := s.db.Set(versionKey, []byte{formatVersion}, pebble.Sync); err != nil {
			return engineError("open", s.dir, err)
		}
		return s.Health()
	case err != nil:
		return engineError("open", s.dir, err)
	}
	version := -1
	if len(v) == 1 {
		version = int(v[0])
	}
	closer.Close()
	switch version {
	case formatVersion:
		return nil
	case formatWithoutProgress, formatWithoutGroupCounts:
		// The first Load writes the progress records when it finds no
		// progressKey. Records an older binary did not keep up to date
		// (one run after a newer one), or kept by older rules, are
		// dropped with it, not trusted.
		b := s.db.NewBatch()
		_ = b.DeleteRange([]byte{pfxBlock}, []byte{pfxBlock + 1}, nil)
		_ = b.DeleteRange([]byte{pfxGroupCounts}, []byte{pfxGroupCounts + 1}, nil)
		_ = b.Delete(progressKey, nil)
		_ = b.Set(versionKey, []byte{formatVersion}, nil)
		err := b.Commit(pebble.Sync)
		_ = b.Close()
		if err != nil {
			return engineError("upgrade", s.dir, err)
		}
		s.log.Info("store: upgraded the store's format; binaries older than this one cannot open it", "dir", s.dir, "from", version, "to", formatVersion)
		return nil
	}
	return fmt.Errorf("%w: %s has format %x, want %d", store.ErrFormat, s.dir, v, formatVersion)
}

// engineError wraps an error of the storage engine met during op, marking
// checksum mismatches and undecodable files with ErrCorrupt. Pebble's
// messages name the file.
func engineError(op, dir string, err error) error {
	if pebble.IsCorruptionError(err) {
		return fmt.Errorf("store: %s %s: %w: %w", op, dir, store.ErrCorrupt, err)
	}
	return fmt.Errorf("store: %s %s: %w", op, dir, err)
}

// flushEnded notes how the engine's last flush ended, for the prober.
func (s *PebbleStore) flushEnded(err error) { s.prober.flushShort.Store(isShortage(err)) }

// closeFlushWait bounds how long Close waits for the flush of the
// memtable before it closes anyway.
const closeFlushWait = 10 * time.Second

// errFlushSlow is logged when the flush at Close outlasts closeFlushWait.
var errFlushSlow = errors.New("flush did not end in time")

// flushMemtable writes the memtable to a table file, so that the next
// open replays no log (up to memTableSize of it, in time and memory).
// The log holds everything already: a flush that fails or takes too long
// costs only that replay. Skipped during an outage.
func (s *PebbleStore) flushMemtable() {
	if s.outage.Load() != nil {
		return
	}
	start := time.Now()
	done, err := s.db.AsyncFlush()
	if err == nil {
		select {
		case <-done:
		case <-time.After(closeFlushWait):
			err = errFlushSlow
		}
	}
	if err != nil {
		s.log.Warn("store: flush before close", "dir", s.dir, "err", err)
		return
	}
	s.log.Debug("store: flushed before close", "dir", s.dir, "took", time.Since(start))
}

// Close waits for writes in progress, syncs the write-ahead log, flushes
// the memtable (so that the next open has no log to replay) and closes
// the store. Later Writes and Loads return ErrClosed. It is safe to call
// twice; the second call returns nil.
func (s *PebbleStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.done.Store(true)
	s.mu.Unlock()
	s.writers.Wait()
	s.prober.stop()
	if s.syncer != nil {
		s.syncer.stop()
	}
	var syncErr error
	if f := s.failed.Load(); f != nil {
		syncErr = f.err
	} else if err := s.db.LogData(nil, pebble.Sync); err != nil {
		syncErr = s.fail(err)
	} else if f := s.failed.Load(); f != nil {
		syncErr = f.err
	} else {
		s.flushMemtable()
	}
	closeErr := s.db.Close()
	s.releaseDir()
	if syncErr != nil {
		return fmt.Errorf("store: close %s: %w", s.dir, syncErr)
	}
	if closeErr != nil {
		return fmt.Errorf("store: close %s: %w", s.dir, closeErr)
	}
	s.log.Info("store: closed", "dir", s.dir)
	return nil
}
