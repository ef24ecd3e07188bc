//go:build !linux

package fsfloor

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
