//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package pebblestore

import (
	"io"
	"os"
	"syscall"
)

// lockHolder reports whether another process holds a POSIX write lock on
// the file at path, as the engine takes on its lock file, and that
// process's pid.
func lockHolder(path string) (pid int, held bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil || lk.Type == syscall.F_UNLCK {
		return 0, false
	}
	return int(lk.Pid), true
}
