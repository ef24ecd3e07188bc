package router_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/router"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"simple", "num_servers", true},
		{"command path", "users/servers/list", true},
		{"punctuation", "a.b-c:d@e#1", true},
		{"utf-8", "данные", true},
		{"max length", strings.Repeat("x", router.MaxNameLen), true},
		{"empty", "", false},
		{"too long", strings.Repeat("x", router.MaxNameLen+1), false},
		{"space", "a b", false},
		{"tab", "a\tb", false},
		{"newline", "a\n", false},
		{"nul", "a\x00", false},
		{"del", "a\x7f", false},
		{"c1 control", "a\u0085", false},
		{"no-break space", "a\u00a0b", false},
		{"invalid utf-8", "a\xffb", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := router.ValidName(tc.in)
			if tc.ok && err != nil {
				t.Fatalf("ValidName(%q) = %v", tc.in, err)
			}
			if !tc.ok && !errors.Is(err, router.ErrBadName) {
				t.Fatalf("ValidName(%q) = %v, want ErrBadName", tc.in, err)
			}
		})
	}
}
