//go:build unix

package fdlimit_test

import (
	"syscall"
	"testing"

	"github.com/teonet-go/teomq/internal/fdlimit"
)

// Raise lifts a lowered soft limit back to the hard limit.
func TestRaise(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lowered := lim
	lowered.Cur = min(lim.Max, 512)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	got, err := fdlimit.Raise()
	if err != nil {
		t.Fatal(err)
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil {
		t.Fatal(err)
	}
	if now.Cur != lim.Max || uint64(got) != uint64(now.Cur) {
		t.Fatalf("Raise = %d; soft limit %d, want the hard limit %d", got, now.Cur, lim.Max)
	}
}
