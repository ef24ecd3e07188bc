package teonet_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

func TestSignProvesTheNodesAddress(t *testing.T) {
	dir := t.TempDir()
	a := newNode(t, dir, "signer")
	b := newNode(t, dir, "other")
	msg := []byte("teomq test domain\x00nonce")

	sig := a.Sign(msg)
	pub := a.PublicKey()
	if teonet.AddressOf(pub) != a.Address() {
		t.Fatalf("PublicKey hashes to %s, want the node's address %s", teonet.AddressOf(pub), a.Address())
	}
	cases := []struct {
		name string
		pub  ed25519.PublicKey
		msg  []byte
		sig  []byte
		want bool
	}{
		{"own key verifies", pub, msg, sig, true},
		{"other node's key refuses", b.PublicKey(), msg, sig, false},
		{"changed message refuses", pub, []byte("teomq test domain\x00nonce!"), sig, false},
		{"other node's signature refuses", pub, msg, b.Sign(msg), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ed25519.Verify(tc.pub, tc.msg, tc.sig); got != tc.want {
				t.Fatalf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSignSurvivesReopen(t *testing.T) {
	// The identity is stable across restarts, so a signature made before a
	// restart verifies with the key after it.
	dir := t.TempDir()
	msg := []byte("teomq test domain\x00restart")
	n, err := teonet.New(teonet.Config{Name: "stable", ConfigDir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	sig := n.Sign(msg)
	n.Close()
	n2 := newNode(t, dir, "stable")
	if !ed25519.Verify(n2.PublicKey(), msg, sig) {
		t.Fatal("signature from before the reopen does not verify with the reopened node's key")
	}
}
