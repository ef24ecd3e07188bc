// Package memstat reads the process's memory use for benchmarks.
package memstat

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
)

// HeapInUse returns the Go heap's in-use bytes.
func HeapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// RSS returns the process's resident set size in bytes, or 0 where
// /proc/self/status is absent.
func RSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	return 0
}
