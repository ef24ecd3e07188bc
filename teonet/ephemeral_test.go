package teonet_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// Ephemeral nodes share a name and a config dir at once, each with an
// address of its own, and leave no identity behind: only the address
// book a listening node writes, which Close removes.
func TestEphemeralIdentity(t *testing.T) {
	dir := t.TempDir()
	named := newNode(t, dir, "server")
	l := listen(t, named)
	accepted := acceptAsync(l)

	seen := map[string]bool{named.Address(): true}
	for _, name := range []string{"", "cli", "cli"} {
		n := newNode(t, dir, name, func(c *teonet.Config) { c.Ephemeral = true })
		if seen[n.Address()] {
			t.Fatalf("ephemeral node %q reuses address %s", name, n.Address())
		}
		seen[n.Address()] = true
		if n.Address() != teonet.AddressOf(n.PublicKey()) {
			t.Fatalf("address %s is not that of the node's key", n.Address())
		}
		if name == "" {
			// A bare address resolves through the shared address book,
			// and the server sees the ephemeral node's address.
			dial(t, n, named.Address())
			if got := waitAccepted(t, accepted).PeerAddress(); got != n.Address() {
				t.Fatalf("server sees %s, want the ephemeral node's %s", got, n.Address())
			}
		}
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "teonet"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "server" && e.Name() != "peers" {
			t.Errorf("ephemeral nodes left %s in the config dir", e.Name())
		}
	}
}
