// Package fdlimit keeps peers from using up a process's file descriptors.
//
// Raise lifts the soft RLIMIT_NOFILE to the hard limit. A Budget counts the
// descriptors that peer connections hold against the limit less a reserve
// kept for everything else (the store's files, logs, listeners), and its
// Listener wrapper closes a connection at once when the budget is spent,
// so that a flood of idle connections cannot make the store fail with
// "too many open files".
package fdlimit

// MinReserve is the smallest reserve DefaultReserve returns.
const MinReserve = 128

// DefaultReserve is the descriptors kept for the store and logs under a
// limit of limit: an eighth of it, at least MinReserve.
func DefaultReserve(limit int) int { return max(MinReserve, limit/8) }
