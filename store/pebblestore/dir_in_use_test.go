package pebblestore_test

import (
	"errors"
	"fmt"
	"github.com/teonet-go/teomq/internal/childtest"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// A second open of a directory in this process is refused with this
// process's pid; once the first store closes, the directory opens again.
func TestOpenPebbleDirInUseInProcess(t *testing.T) {
	dir := t.TempDir()
	first := openPebble(t, dir, pebblestore.PebbleOptions{})
	_, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	var inUse *store.DirInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, store.ErrDirInUse) || inUse.PID != os.Getpid() {
		t.Fatalf("second open: %v, want a DirInUseError naming pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "this process") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q should name the directory and this process", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openPebble(t, dir, pebblestore.PebbleOptions{})
}

// storeHolderEnv makes the test binary hold a store until stdin closes.
const storeHolderEnv = "STORE_TEST_DIR_HOLDER"

const storeHolderReady = "store-test: store open"

// A directory another process holds is refused with that process's pid,
// not the engine's "resource temporarily unavailable".
func TestOpenPebbleDirInUseAcrossProcesses(t *testing.T) {
	if dir := os.Getenv(storeHolderEnv); dir != "" {
		holdStore(dir)
		return
	}
	dir := t.TempDir()
	child := childtest.Start(t, "TestOpenPebbleDirInUseAcrossProcesses", storeHolderEnv, dir, storeHolderReady)

	_, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	var inUse *store.DirInUseError
	if !errors.As(err, &inUse) || inUse.PID != child.PID() {
		t.Fatalf("open while another process holds the store: %v, want a DirInUseError naming pid %d", err, child.PID())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(child.PID())) {
		t.Fatalf("error %q should name the pid", msg)
	}
	if err := child.Stop(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	openPebble(t, dir, pebblestore.PebbleOptions{})
}

// holdStore is the child of TestOpenPebbleDirInUseAcrossProcesses: it
// opens the store, says so, and closes it when stdin closes.
func holdStore(dir string) {
	s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	if err != nil {
		fmt.Println("store-test: open:", err)
		os.Exit(1)
	}
	fmt.Println(storeHolderReady)
	io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}
