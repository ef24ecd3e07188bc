package main

import (
	"runtime"
	"testing"
)

// teomq version, -version and --version print one line: the module's
// version and Go's.
func TestVersion(t *testing.T) {
	want := "teomq " + moduleVersion() + " " + runtime.Version() + "\n"
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		out, stderr, err := cli(t, "", args...)
		if err != nil || out != want || stderr != "" {
			t.Errorf("%q: stdout %q, stderr %q, err %v; want %q", args, out, stderr, err, want)
		}
	}
	if v := moduleVersion(); v == "" {
		t.Error("moduleVersion is empty")
	}
}
