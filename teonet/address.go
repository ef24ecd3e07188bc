package teonet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/big"
	"net"
	"strings"
)

// AddressLen is the length of a node address.
const AddressLen = 35

// addressDigestBytes is how much of the SHA-256 digest an address encodes:
// 26 bytes (208 bits) is the most that always fits 35 base-62 digits
// (62^35 > 2^208).
const addressDigestBytes = 26

// AddressOf returns the address of the node with public key pub: the first
// 208 bits of SHA-256(pub) in base 62 (0-9, a-z, A-Z), zero-padded to
// AddressLen characters. Only the public key is hashed, so an address
// reveals nothing secret. It is deterministic and safe for concurrent use.
func AddressOf(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	digits := new(big.Int).SetBytes(sum[:addressDigestBytes]).Text(62)
	return strings.Repeat("0", AddressLen-len(digits)) + digits
}

// ParseAddress checks that s is a well-formed address and returns it. The
// error, matching ErrBadAddress, says what is wrong: the length or the first
// invalid character.
func ParseAddress(s string) (string, error) {
	if len(s) != AddressLen {
		return "", fmt.Errorf("%w %q: length %d, want %d", ErrBadAddress, s, len(s), AddressLen)
	}
	for i, r := range s {
		if r >= 0x80 || !isAlnum(byte(r)) {
			return "", fmt.Errorf("%w %q: invalid character %q at %d, want [A-Za-z0-9]", ErrBadAddress, s, r, i)
		}
	}
	return s, nil
}

// ParseTarget splits a dial target into its address and, for the form
// ADDRESS@host:port, its host:port; for a bare ADDRESS hostport is empty.
// Errors match ErrBadAddress for the address part and ErrBadTarget for the
// rest.
func ParseTarget(s string) (addr, hostport string, err error) {
	addr, hostport, hasAt := strings.Cut(s, "@")
	if addr, err = ParseAddress(addr); err != nil {
		return "", "", err
	}
	if !hasAt {
		return addr, "", nil
	}
	if err := checkHostPort(hostport); err != nil {
		return "", "", err
	}
	return addr, hostport, nil
}

// checkHostPort returns an error matching ErrBadTarget unless hostport is
// a "host:port" with both parts present.
func checkHostPort(hostport string) error {
	host, port, err := net.SplitHostPort(hostport)
	switch {
	case err != nil:
		return fmt.Errorf("%w: want ADDRESS@host:port: %w", ErrBadTarget, err)
	case host == "" || port == "":
		return fmt.Errorf("%w: %q: want ADDRESS@host:port with both host and port", ErrBadTarget, hostport)
	}
	return nil
}

func isAlnum(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
