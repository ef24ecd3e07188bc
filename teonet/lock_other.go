//go:build !unix

package teonet

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// identityLock records the owner's pid in the identity's lock file. On
// systems without flock(2) it does not exclude a second owner.
type identityLock struct {
	f *os.File
}

// lockIdentity opens the lock file of dir and writes this process's pid.
func lockIdentity(dir, name string) (*identityLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("teonet: open identity lock: %w", err)
	}
	if _, err := f.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("teonet: write identity lock %s: %w", path, err)
	}
	return &identityLock{f: f}, nil
}

// release closes the lock file.
func (l *identityLock) release() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("teonet: release identity lock: %w", err)
	}
	return nil
}
