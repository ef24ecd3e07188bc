//go:build unix

package fdlimit

import (
	"fmt"
	"syscall"
)

// Raise lifts the process's soft limit on open files to its hard limit
// and returns the soft limit now in force. Go programs start with it
// raised already on most systems; Raise makes sure and reports it.
func Raise() (int, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("fdlimit: get RLIMIT_NOFILE: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return clamp(uint64(lim.Cur)), fmt.Errorf("fdlimit: raise RLIMIT_NOFILE from %d to %d: %w", lim.Cur, lim.Max, err)
		}
		lim = raised
	}
	return clamp(uint64(lim.Cur)), nil
}

// clamp turns a limit into an int; "unlimited" becomes the largest int.
func clamp(n uint64) int { return int(min(n, uint64(maxInt))) }

const maxInt = int(^uint(0) >> 1)
