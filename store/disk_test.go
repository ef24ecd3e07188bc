package store_test

import (
	"errors"
	"testing"

	"github.com/teonet-go/teomq/store"
)

// A program that links no disk store gets ErrNoDisk from OpenDisk; once a
// package registered its opener, OpenDisk opens through it with the
// config given, and a second registration panics as sql.Register does.
// One test, in order: the registration is the process's.
func TestOpenDiskThroughTheRegisteredOpener(t *testing.T) {
	if _, err := store.OpenDisk(store.DiskConfig{Dir: t.TempDir()}); !errors.Is(err, store.ErrNoDisk) {
		t.Fatalf("OpenDisk with no disk store linked: %v, want ErrNoDisk", err)
	}
	if store.DiskLinked() {
		t.Fatal("DiskLinked before any registration")
	}
	mustPanic(t, "RegisterDisk(nil)", func() { store.RegisterDisk(nil) })

	var got store.DiskConfig
	store.RegisterDisk(func(cfg store.DiskConfig) (store.Store, error) {
		got = cfg
		return store.NewMemory(), nil
	})
	if !store.DiskLinked() {
		t.Fatal("DiskLinked is false after RegisterDisk")
	}
	want := store.DiskConfig{Dir: t.TempDir(), Interval: true, SyncInterval: 7, SyncDelay: -1}
	s, err := store.OpenDisk(want)
	if err != nil {
		t.Fatalf("OpenDisk: %v", err)
	}
	defer s.Close()
	if got.Dir != want.Dir || got.Interval != want.Interval || got.SyncInterval != want.SyncInterval || got.SyncDelay != want.SyncDelay {
		t.Fatalf("opener got %+v, want %+v", got, want)
	}
	mustPanic(t, "a second RegisterDisk", func() {
		store.RegisterDisk(func(store.DiskConfig) (store.Store, error) { return nil, nil })
	})
}

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatalf("%s did not panic", what)
		}
	}()
	fn()
}
