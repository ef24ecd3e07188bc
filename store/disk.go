package store

import (
	"log/slog"
	"time"

	"github.com/teonet-go/teomq/internal/registry"
)

// DiskConfig configures the disk store OpenDisk opens.
type DiskConfig struct {
	// Dir is the directory the store keeps its state in.
	Dir string
	// Interval makes writes durable in the background, every
	// SyncInterval, instead of before a synced Write returns.
	Interval bool
	// SyncInterval is the period of background syncs with Interval; zero:
	// the store's default.
	SyncInterval time.Duration
	// SyncDelay is how long a synced write may wait for others to share
	// its sync; zero: the store's default, negative: never.
	SyncDelay time.Duration
	// Logger receives the store's logs; nil: slog.Default().
	Logger *slog.Logger
	// OnHealth, if set, is called from the store's own goroutine each
	// time its health changes: with ErrStoreUnavailable or ErrStoreFailed
	// (wrapped), then with nil once it recovered.
	OnHealth func(error)
}

// DiskOpener opens a disk store. A disk store package passes one to
// RegisterDisk.
type DiskOpener func(DiskConfig) (Store, error)

// disk is the registered DiskOpener.
var disk registry.One[DiskOpener]

// RegisterDisk makes open the opener of OpenDisk. A disk store package
// calls it from its init, so that a program links the disk store (and
// its storage engine) only when it imports that package, as database/sql
// drivers do. It panics if open is nil or an opener is registered
// already. Safe for concurrent use.
func RegisterDisk(open DiskOpener) {
	disk.Register("store: RegisterDisk", open, open == nil)
}

// DiskLinked reports whether a disk store package registered its opener,
// so that a program can refuse a configuration that needs one before it
// does anything else. Safe for concurrent use.
func DiskLinked() bool {
	_, ok := disk.Get()
	return ok
}

// OpenDisk opens the registered disk store with cfg. It returns an error
// wrapping ErrNoDisk when no disk store package is linked. Safe for
// concurrent use.
func OpenDisk(cfg DiskConfig) (Store, error) {
	open, ok := disk.Get()
	if !ok {
		return nil, ErrNoDisk
	}
	return open(cfg)
}
