//go:build !(linux || darwin || freebsd)

package diskfree

func bytesFree(string) (uint64, error) { return 0, ErrUnsupported }
