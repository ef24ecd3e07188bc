package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("broker", "", "")
	fs.Int("n", 0, "")
	fs.Bool("v", false, "")
	tests := []struct {
		name  string
		args  []string
		flags []string
		rest  []string
	}{
		{"flags first", []string{"-broker", "B", "cmd", "data"}, []string{"-broker", "B"}, []string{"cmd", "data"}},
		{"flags after the arguments", []string{"cmd", "-broker=B", "data", "-n", "2"}, []string{"-broker=B", "-n", "2"}, []string{"cmd", "data"}},
		{"double dash spelling", []string{"cmd", "--broker", "B", "--v"}, []string{"--broker", "B", "--v"}, []string{"cmd"}},
		{"boolean takes no value", []string{"-v", "cmd"}, []string{"-v"}, []string{"cmd"}},
		{"-- ends the flags", []string{"-n", "1", "--", "cmd", "-broker", "-v"}, []string{"-n", "1"}, []string{"cmd", "-broker", "-v"}},
		{"a value that looks like a flag", []string{"cmd", "-broker", "-v"}, []string{"-broker", "-v"}, []string{"cmd"}},
		{"lone dash is an argument", []string{"cmd", "-", "-n", "3"}, []string{"-n", "3"}, []string{"cmd", "-"}},
		{"unknown flag kept for Parse", []string{"cmd", "-x", "y"}, []string{"-x"}, []string{"cmd", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, flags, rest, err := interspersed(fs, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(flags, tt.flags) || !slices.Equal(rest, tt.rest) {
				t.Fatalf("flags %q, arguments %q; want %q, %q", flags, rest, tt.flags, tt.rest)
			}
			if want := append(append(slices.Clone(tt.flags), "--"), tt.rest...); !slices.Equal(line, want) {
				t.Fatalf("line %q, want %q", line, want)
			}
		})
	}
	if _, _, _, err := interspersed(fs, []string{"cmd", "-n"}); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "-n") {
		t.Errorf("a flag missing its value: %v, want a usage error naming it", err)
	}
}

// Flags work anywhere on the line, in the README's spellings, and --
// ends them so that DATA may start with a dash.
func TestFlagsAnywhere(t *testing.T) {
	addr, config := cliBroker(t)
	sends := [][]string{
		{"send", "jobs", "first", "-broker=" + addr, "-config=" + config},
		{"send", "-config", config, "jobs", "--broker", addr, "second"},
		{"send", "-broker=" + addr, "-config", config, "--", "jobs", "-third"},
	}
	for _, args := range sends {
		if _, stderr, err := cli(t, "", args...); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stderr)
		}
	}
	got, _, err := cli(t, "", "consume", "jobs", "-n", "3", "-broker="+addr, "-config", config)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 3 {
		t.Fatalf("consumed %q, want 3 lines", got)
	}
	for i, want := range []string{" first", " second", " -third"} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("message %d = %q, want data %q", i, lines[i], want)
		}
	}
}
