//go:build unix

package teonet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// identityLock is an exclusive flock on the identity's lock file, which
// holds the owner's pid for the error message of the next would-be owner.
// The kernel releases a flock when its process dies, so a stale lock file
// is taken over without cleanup. Locks belong to open file descriptions,
// so a second lockIdentity in the same process fails as well.
type identityLock struct {
	f *os.File
}

// lockIdentity takes the lock of the identity directory dir without
// blocking; if a live holder has it, the error is an *IdentityInUseError.
func lockIdentity(dir, name string) (*identityLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("teonet: open identity lock: %w", err)
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := readPID(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &IdentityInUseError{Name: name, Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("teonet: lock identity %s: %w", path, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("teonet: write identity lock %s: %w", path, err)
	}
	return &identityLock{f: f}, nil
}

// release unlocks and closes the lock file. The file itself stays:
// removing it could let two processes lock two different files.
func (l *identityLock) release() error {
	unlockErr := flock(l.f, syscall.LOCK_UN)
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("teonet: release identity lock: %w", err)
	}
	if unlockErr != nil {
		return fmt.Errorf("teonet: release identity lock: %w", unlockErr)
	}
	return nil
}

// flock calls flock(2), retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID returns the pid written in the lock file, or 0.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
