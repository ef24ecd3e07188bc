package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/policy"
)

// writeConf writes a config file into a temporary directory.
func writeConf(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "teomq.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// confFlags is a flag set like the broker's, parsed from args.
func confFlags(t *testing.T, args ...string) (*flag.FlagSet, *string, *time.Duration, *bool) {
	t.Helper()
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", ":7070", "")
	lease := fs.Duration("lease", 0, "")
	logMsgs := fs.Bool("log-messages", false, "")
	fs.String(confFlag, "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs, listen, lease, logMsgs
}

func TestLoadConf(t *testing.T) {
	path := writeConf(t, "[broker]\nlisten = \"127.0.0.1:9000\"\nlease = \"45s\"\nlog-messages = true\n")
	fs, listen, lease, logMsgs := confFlags(t, "-lease", "5s")
	f, err := loadConf(fs, path)
	if err != nil {
		t.Fatalf("loadConf: %v", err)
	}
	if *listen != "127.0.0.1:9000" || !*logMsgs {
		t.Errorf("file values not applied: listen %q, log-messages %v", *listen, *logMsgs)
	}
	if *lease != 5*time.Second {
		t.Errorf("lease = %v, want the command line's 5s over the file's 45s", *lease)
	}
	if f.Policy.Connect(policy.Peer{Address: strings.Repeat("a", 35)}) == nil {
		t.Error("a file without rules admitted a remote peer")
	}
}

func TestLoadConfErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		is   error
		want []string
	}{
		{"unknown setting", "[broker]\nlisten = \":1\"\nlisen = \":1\"\n", errUnknownSetting, []string{`"lisen"`, "lease, listen, log-messages"}},
		{"the file names no other file", "[broker]\nconf = \"other.toml\"\n", errUnknownSetting, []string{`"conf"`}},
		{"bad value", "[broker]\nlease = \"soon\"\n", nil, []string{"[broker] lease", `"soon"`}},
		{"bad policy", "[[rule]]\nroles = [\"nobody\"]\npublish = [\"*\"]\n", policy.ErrBadPolicy, []string{"rule 1", `"nobody"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConf(t, tt.src)
			fs, _, _, _ := confFlags(t)
			_, err := loadConf(fs, path)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("loadConf = %v, want an error matching %v", err, tt.is)
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// teomq broker -conf applies the file's settings, except those given on
// the command line.
func TestBrokerConf(t *testing.T) {
	// name comes from the file; listen would fail, but the command line's wins.
	path := writeConf(t, "[broker]\nname = \"from-file\"\nlisten = \"no-such-host.invalid:1\"\n")
	_, config := cliBroker(t, "-conf", path)
	if _, err := os.Stat(filepath.Join(config, "teonet", "from-file")); err != nil {
		t.Fatalf("the file's name setting was not used: %v", err)
	}
}

func TestBrokerConfErrors(t *testing.T) {
	path := writeConf(t, "[broker]\nlisen = \":1\"\n")
	_, _, err := cli(t, "", "broker", "-config", t.TempDir(), "-listen", "127.0.0.1:0", "-conf", path)
	if !errors.Is(err, errUnknownSetting) || !strings.Contains(err.Error(), "-conf") {
		t.Fatalf("unknown setting: %v, want an error naming -conf and the setting", err)
	}
	_, _, err = cli(t, "", "broker", "-config", t.TempDir(), "-listen", "127.0.0.1:0", "-conf", filepath.Join(t.TempDir(), "missing.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v, want os.ErrNotExist", err)
	}
}
