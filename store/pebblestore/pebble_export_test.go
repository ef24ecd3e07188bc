package pebblestore

import "testing"

// SetBlockShift makes the blocks of progress records 1<<shift seqs long
// until the end of t, so that short queues span many blocks. A store must
// be read with the size it was written with; t must not run in parallel.
func SetBlockShift(t testing.TB, shift uint) {
	old := blockShift
	blockShift = shift
	t.Cleanup(func() { blockShift = old })
}
