package pebblestore

import (
	"errors"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// shortages are the errors that say the process or the machine ran short
// of a resource that comes back: descriptors (per process and system
// wide), disk space (and quota), memory.
var shortages = []error{
	syscall.EMFILE, syscall.ENFILE,
	syscall.ENOSPC, syscall.EDQUOT,
	syscall.ENOMEM, syscall.ENOBUFS,
}

// isShortage reports whether err is, or wraps, a resource shortage.
func isShortage(err error) bool {
	if err == nil {
		return false
	}
	for _, s := range shortages {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// shortagePause is how long a file creation that failed for a shortage
// holds its caller before it reports the error. Pebble retries a failed
// flush at once and without end (measured: ~30,000 attempts a second, a
// processor kept busy, while descriptors ran out); the pause bounds that
// to a few attempts a second.
const shortagePause = 100 * time.Millisecond

// pacedFS is the file system the engine sees: the store's FS, whose file
// creations that fail for a resource shortage wait shortagePause before
// they return the error, so that the engine's background retries of
// flushes and compactions do not spin. Write-ahead logs are created
// without a pause: their creation holds every commit, and the engine does
// not retry it.
type pacedFS struct {
	vfs.FS
}

// walCategory is the write category the engine creates its write-ahead
// logs with.
const walCategory vfs.DiskWriteCategory = "pebble-wal"

// Create creates name on the store's FS, pausing first if that failed
// for a shortage.
func (fs pacedFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, category)
	if err != nil && category != walCategory && isShortage(err) {
		time.Sleep(shortagePause)
	}
	return f, err
}

// Unwrap returns the store's FS.
func (fs pacedFS) Unwrap() vfs.FS { return fs.FS }
