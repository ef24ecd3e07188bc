//go:build !unix

package fdlimit

// Raise returns 0: this system has no RLIMIT_NOFILE, and a Budget of
// limit 0 counts descriptors without refusing any.
func Raise() (int, error) { return 0, nil }
