package teonet_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

func TestAddressOf(t *testing.T) {
	// The address format is part of the protocol: it must never change.
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	const golden = "KOtEx2TSGH5kWKttZ217Wphd2kaiHQoG0uX"
	if got := teonet.AddressOf(pub); got != golden {
		t.Fatalf("AddressOf(seed 7...) = %s, want %s", got, golden)
	}

	seen := map[string]bool{}
	for range 200 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		addr := teonet.AddressOf(pub)
		if _, err := teonet.ParseAddress(addr); err != nil {
			t.Fatalf("AddressOf gave %q, which ParseAddress refuses: %v", addr, err)
		}
		if teonet.AddressOf(pub) != addr {
			t.Fatalf("AddressOf is not deterministic")
		}
		if seen[addr] {
			t.Fatalf("two keys share address %s", addr)
		}
		seen[addr] = true
	}
}

func TestParseAddress(t *testing.T) {
	valid := "KOtEx2TSGH5kWKttZ217Wphd2kaiHQoG0uX"
	tests := []struct {
		name    string
		in      string
		wantMsg string // part of the error message; "" for no error
	}{
		{"valid", valid, ""},
		{"empty", "", "length 0, want 35"},
		{"too short", valid[:34], "length 34, want 35"},
		{"too long", valid + "a", "length 36, want 35"},
		{"dash", valid[:4] + "-" + valid[5:], "invalid character '-' at 4"},
		{"non-ASCII", valid[:33] + "é", "invalid character 'é' at 33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := teonet.ParseAddress(tt.in)
			if tt.wantMsg == "" {
				if err != nil || got != tt.in {
					t.Fatalf("ParseAddress(%q) = %q, %v", tt.in, got, err)
				}
				return
			}
			if !errors.Is(err, teonet.ErrBadAddress) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("ParseAddress(%q) error %v, want ErrBadAddress saying %q", tt.in, err, tt.wantMsg)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	addr := "KOtEx2TSGH5kWKttZ217Wphd2kaiHQoG0uX"
	tests := []struct {
		name         string
		in           string
		wantHostPort string
		wantErr      error
	}{
		{"bare address", addr, "", nil},
		{"IPv4 endpoint", addr + "@127.0.0.1:7050", "127.0.0.1:7050", nil},
		{"IPv6 endpoint", addr + "@[::1]:7050", "[::1]:7050", nil},
		{"host name", addr + "@broker.example:7050", "broker.example:7050", nil},
		{"bad address", "abc@127.0.0.1:7050", "", teonet.ErrBadAddress},
		{"no port", addr + "@127.0.0.1", "", teonet.ErrBadTarget},
		{"empty host", addr + "@:7050", "", teonet.ErrBadTarget},
		{"empty endpoint", addr + "@", "", teonet.ErrBadTarget},
		{"empty", "", "", teonet.ErrBadAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotAddr, gotHostPort, err := teonet.ParseTarget(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseTarget(%q) error %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || gotAddr != addr || gotHostPort != tt.wantHostPort {
				t.Fatalf("ParseTarget(%q) = %q, %q, %v; want %q, %q", tt.in, gotAddr, gotHostPort, err, addr, tt.wantHostPort)
			}
		})
	}
}
