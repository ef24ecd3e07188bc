package command_test

import (
	"testing"

	"github.com/teonet-go/teomq/command"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name, line, wantName, wantRest string
	}{
		{"name and data", "version/some_data", "version", "some_data"},
		{"name only", "version", "version", ""},
		{"trailing slash", "version/", "version", ""},
		{"slashes in data", "user/42/name/with/slashes", "user", "42/name/with/slashes"},
		{"empty", "", "", ""},
		{"empty name", "/data", "", "data"},
		{"unicode", "версия/данные/🙂", "версия", "данные/🙂"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, rest := command.Split(tc.line)
			if name != tc.wantName || rest != tc.wantRest {
				t.Fatalf("Split(%q) = %q, %q; want %q, %q", tc.line, name, rest, tc.wantName, tc.wantRest)
			}
		})
	}
}
