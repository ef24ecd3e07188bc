package teonet_test

import (
	"errors"
	"fmt"
	"github.com/teonet-go/teomq/internal/childtest"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/teonet"
)

func TestIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	first, err := teonet.New(teonet.Config{Name: "app", ConfigDir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	addr := first.Address()
	if addr != teonet.AddressOf(first.PublicKey()) {
		t.Fatalf("Address %s is not AddressOf(PublicKey) %s", addr, teonet.AddressOf(first.PublicKey()))
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := newNode(t, dir, "app")
	if second.Address() != addr {
		t.Fatalf("address changed across restarts: %s, then %s", addr, second.Address())
	}
	if other := newNode(t, dir, "other"); other.Address() == addr {
		t.Fatal("two Names share an address")
	}

	idDir := filepath.Join(dir, "teonet", "app")
	for path, want := range map[string]os.FileMode{idDir: 0o700, filepath.Join(idDir, "key.pem"): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != want {
			t.Errorf("%s has mode %v, want %v", path, perm, want)
		}
	}
}

func TestIdentityInUse(t *testing.T) {
	dir := t.TempDir()
	first := newNode(t, dir, "app")
	_, err := teonet.New(teonet.Config{Name: "app", ConfigDir: dir})
	var inUse *teonet.IdentityInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, teonet.ErrIdentityInUse) {
		t.Fatalf("second New: %v, want an IdentityInUseError", err)
	}
	if inUse.PID != os.Getpid() || inUse.Name != "app" {
		t.Fatalf("IdentityInUseError %+v, want name app, pid %d", inUse, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, `"app"`) || !strings.Contains(msg, "-name") {
		t.Fatalf("error %q should name the identity and the -name flag", msg)
	}
	first.Close()
	newNode(t, dir, "app") // free again
}

// lockHolderEnv makes the test binary hold an identity until stdin closes.
const lockHolderEnv = "TEONET_TEST_LOCK_HOLDER"

const lockHolderReady = "teonet-test: identity locked"

// TestIdentityLockAcrossProcesses has a child process hold an identity:
// the parent is refused with the child's pid, and once the child is
// killed, without closing anything, the parent takes the identity over.
func TestIdentityLockAcrossProcesses(t *testing.T) {
	if dir := os.Getenv(lockHolderEnv); dir != "" {
		holdIdentity(dir)
		return
	}
	dir := t.TempDir()
	child := childtest.Start(t, "TestIdentityLockAcrossProcesses", lockHolderEnv, dir, lockHolderReady)

	_, err := teonet.New(teonet.Config{Name: "app", ConfigDir: dir})
	var inUse *teonet.IdentityInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("New while another process holds the identity: %v, want IdentityInUseError", err)
	}
	if inUse.PID != child.PID() {
		t.Fatalf("error names pid %d, want the child's %d", inUse.PID, child.PID())
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(child.PID())) || !strings.Contains(msg, "-name") {
		t.Fatalf("error %q should name the pid and the -name flag", msg)
	}

	if err := child.Kill(); err != nil {
		t.Fatal(err)
	}
	n := newNode(t, dir, "app")
	if _, err := os.ReadFile(filepath.Join(dir, "teonet", "app", "key.pem")); err != nil || n.Address() == "" {
		t.Fatalf("identity not taken over: %v", err)
	}
}

// holdIdentity is the child of TestIdentityLockAcrossProcesses: it opens
// the identity, says so, and waits for stdin to close.
func holdIdentity(dir string) {
	if _, err := teonet.New(teonet.Config{Name: "app", ConfigDir: dir, Logger: discardLogger()}); err != nil {
		fmt.Println("teonet-test: New:", err)
		os.Exit(1)
	}
	fmt.Println(lockHolderReady)
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

func TestNewInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  teonet.Config
	}{
		{"no name", teonet.Config{ConfigDir: dir}},
		{"path separator", teonet.Config{Name: "a/b", ConfigDir: dir}},
		{"dot dot", teonet.Config{Name: "..", ConfigDir: dir}},
		{"space", teonet.Config{Name: "my app", ConfigDir: dir}},
		{"address book directory", teonet.Config{Name: "peers", ConfigDir: dir}},
		{"negative MaxFrame", teonet.Config{Name: "a", ConfigDir: dir, MaxFrame: -1}},
		{"negative KeepAlive", teonet.Config{Name: "a", ConfigDir: dir, KeepAlive: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n, err := teonet.New(tt.cfg); !errors.Is(err, teonet.ErrInvalidConfig) {
				if n != nil {
					n.Close()
				}
				t.Fatalf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestNewBadKeyFile: a damaged key file is reported and left alone, never
// replaced by a new identity.
func TestNewBadKeyFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "teonet", "app", "key.pem")
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	junk := []byte("not a key\n")
	if err := os.WriteFile(keyFile, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := teonet.New(teonet.Config{Name: "app", ConfigDir: dir}); !errors.Is(err, teonet.ErrBadIdentity) {
		t.Fatalf("New: %v, want ErrBadIdentity", err)
	}
	if got, _ := os.ReadFile(keyFile); string(got) != string(junk) {
		t.Fatal("the damaged key file was overwritten")
	}
	// The failed New released the lock: without the file, New succeeds.
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	newNode(t, dir, "app")
}
