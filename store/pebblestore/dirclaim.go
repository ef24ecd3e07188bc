package pebblestore

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/teonet-go/teomq/store"
)

// openDirs are the directories of this process's open PebbleStores: the
// engine's lock cannot tell a second open in the same process from a
// failure, and probing the lock from this process would release it.
var openDirs struct {
	mu   sync.Mutex // guards dirs
	dirs map[string]bool
}

// claimDir records dir as open in this process, or returns a
// *DirInUseError if it is already. release undoes it.
func claimDir(dir string) (release func(), err error) {
	key, err := filepath.Abs(dir)
	if err != nil {
		key = dir
	}
	openDirs.mu.Lock()
	defer openDirs.mu.Unlock()
	if openDirs.dirs[key] {
		return nil, &store.DirInUseError{Dir: dir, PID: os.Getpid()}
	}
	if openDirs.dirs == nil {
		openDirs.dirs = make(map[string]bool)
	}
	openDirs.dirs[key] = true
	return func() {
		openDirs.mu.Lock()
		delete(openDirs.dirs, key)
		openDirs.mu.Unlock()
	}, nil
}

// engineLockName is the file in which the engine locks its directory.
const engineLockName = "LOCK"

// inUseError returns a *DirInUseError if another process holds dir's
// engine lock, or nil. Call it only for a directory not open in this
// process (see claimDir).
func inUseError(dir string) error {
	pid, held := lockHolder(filepath.Join(dir, engineLockName))
	if !held {
		return nil
	}
	return &store.DirInUseError{Dir: dir, PID: pid}
}
