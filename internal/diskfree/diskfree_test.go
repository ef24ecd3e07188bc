package diskfree_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/teonet-go/teomq/internal/diskfree"
)

func TestBytes(t *testing.T) {
	n, err := diskfree.Bytes(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no free space reported for the test's temporary directory")
	}
	if _, err := diskfree.Bytes(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing path: %v, want a not-exist error", err)
	}
}
