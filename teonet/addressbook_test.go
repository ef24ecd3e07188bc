package teonet_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// TestDialBareAddress dials a peer listening on this machine by its
// address alone, through the address book.
func TestDialBareAddress(t *testing.T) {
	dir := t.TempDir()
	server, client := newNode(t, dir, "server"), newNode(t, dir, "client")
	l := listen(t, server)
	addr, hostport, err := client.Resolve(server.Address())
	if err != nil || addr != server.Address() || hostport != hostPort(l) {
		t.Fatalf("Resolve = %s, %s, %v; want %s, %s", addr, hostport, err, server.Address(), hostPort(l))
	}
	accepted := acceptAsync(l)
	c := dial(t, client, server.Address())
	waitAccepted(t, accepted)
	if c.PeerAddress() != server.Address() {
		t.Fatalf("dialed %s, want %s", c.PeerAddress(), server.Address())
	}
}

func TestResolveUnknownPeer(t *testing.T) {
	dir := t.TempDir()
	client := newNode(t, dir, "client")
	unknown := newRawPeer(t, "").addr
	_, _, err := client.Resolve(unknown)
	if !errors.Is(err, teonet.ErrUnknownPeer) {
		t.Fatalf("Resolve: %v, want ErrUnknownPeer", err)
	}
	if msg := err.Error(); !strings.Contains(msg, unknown) || !strings.Contains(msg, "ADDRESS@host:port") {
		t.Fatalf("error %q should name the address and tell to pass ADDRESS@host:port", msg)
	}
	// An explicit endpoint needs no address book.
	if _, hostport, err := client.Resolve(unknown + "@127.0.0.1:9"); err != nil || hostport != "127.0.0.1:9" {
		t.Fatalf("Resolve with endpoint = %s, %v", hostport, err)
	}
}

// TestAddressBookListsEveryListener: a node with two listeners publishes
// both; closing one leaves the other, closing both removes the entry.
func TestAddressBookListsEveryListener(t *testing.T) {
	dir := t.TempDir()
	server, client := newNode(t, dir, "server"), newNode(t, dir, "client")
	l1, l2 := listen(t, server), listen(t, server)
	entry, err := os.ReadFile(filepath.Join(dir, "teonet", "peers", server.Address()))
	if err != nil {
		t.Fatal(err)
	}
	if want := hostPort(l1) + "\n" + hostPort(l2) + "\n"; string(entry) != want {
		t.Fatalf("address book entry %q, want %q", entry, want)
	}

	l1.Close()
	if _, hostport, err := client.Resolve(server.Address()); err != nil || hostport != hostPort(l2) {
		t.Fatalf("Resolve after closing the first listener = %s, %v; want %s", hostport, err, hostPort(l2))
	}
	accepted := acceptAsync(l2)
	dial(t, client, server.Address())
	waitAccepted(t, accepted)

	l2.Close()
	if _, _, err := client.Resolve(server.Address()); !errors.Is(err, teonet.ErrUnknownPeer) {
		t.Fatalf("Resolve after closing both: %v, want ErrUnknownPeer", err)
	}
}

// TestStaleAddressBookEntryRemoved: an entry left by a node that did not
// close is removed when the identity is opened again.
func TestStaleAddressBookEntryRemoved(t *testing.T) {
	dir := t.TempDir()
	first := newNode(t, dir, "server")
	addr := first.Address()
	listen(t, first)
	entry := filepath.Join(dir, "teonet", "peers", addr)
	saved, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	if err := os.WriteFile(entry, saved, 0o600); err != nil { // as a crash would leave it
		t.Fatal(err)
	}
	newNode(t, dir, "server")
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale entry still there: %v", err)
	}
}
