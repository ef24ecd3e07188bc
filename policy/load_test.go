package policy_test

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/teonet-go/teomq/policy"
)

func TestLoadSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "teomq.toml")
	src := `[broker]
listen = ":7070"
max-queue = 100
log-messages = true
allow-origin = ["http://a.example", "http://b.example"]
lease = "45s"
ratio = 0.5

[[rule]]
roles = ["local"]
publish = ["*"]
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := policy.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[string]string{
		"listen":       ":7070",
		"max-queue":    "100",
		"log-messages": "true",
		"allow-origin": "http://a.example,http://b.example",
		"lease":        "45s",
		"ratio":        "0.5",
	}
	if !maps.Equal(f.Settings, want) {
		t.Fatalf("Settings = %q, want %q", f.Settings, want)
	}
	if err := f.Policy.For(policy.Peer{Address: addr("a"), Local: true}).Allow(policy.Publish, "x", ""); err != nil {
		t.Fatalf("the file's rule: %v", err)
	}
	if err := f.Policy.For(policy.Peer{Address: addr("a"), Local: true}).Allow(policy.Consume, "x", ""); !errors.Is(err, policy.ErrForbidden) {
		t.Fatalf("what the file does not allow: %v, want ErrForbidden", err)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := policy.Load(filepath.Join(t.TempDir(), "missing.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[broker]\nlisten = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Load(path); !errors.Is(err, policy.ErrBadPolicy) {
		t.Fatalf("bad file: %v, want ErrBadPolicy", err)
	}
}

// The example file of the users_servers flow parses and says what its
// comments say.
func TestUsersServersExampleFile(t *testing.T) {
	f, err := policy.Load("../examples/users_servers/teomq.toml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if f.Settings["allow-origin"] != "http://localhost:8094" {
		t.Errorf("allow-origin = %q", f.Settings["allow-origin"])
	}
	p := f.Policy
	producer := p.For(policy.Peer{Address: "ReplaceWithProducer1Address00000000"})
	terminal := p.For(policy.Peer{Address: "ReplaceWithConsumerAddress000000000"})
	page := p.For(policy.Peer{Address: addr("page"), Origin: "http://localhost:8094", Local: true})
	local := p.For(policy.Peer{Address: addr("cli"), Local: true})
	checks := []struct {
		name  string
		err   error
		allow bool
	}{
		{"producer publishes num_servers", producer.Allow(policy.Publish, "num_servers", ""), true},
		{"producer may not consume", producer.Allow(policy.Consume, "num_servers", ""), false},
		{"terminal consumes num_servers", terminal.Allow(policy.Consume, "num_servers", ""), true},
		{"terminal only in the default group", terminal.Allow(policy.Consume, "num_servers", "other"), false},
		{"terminal may not publish", terminal.Allow(policy.Publish, "num_servers", ""), false},
		{"page consumes in its group", page.Allow(policy.Consume, "num_servers", "web-"+addr("page")), true},
		{"page may not take the terminal's messages", page.Allow(policy.Consume, "num_servers", ""), false},
		{"page asks version", page.Allow(policy.Publish, "version", ""), true},
		{"local asks version", local.Allow(policy.Publish, "version", ""), true},
		{"local operates", local.Allow(policy.Admin, "num_servers", ""), true},
		{"local may not publish values", local.Allow(policy.Publish, "num_servers", ""), false},
	}
	for _, c := range checks {
		if (c.err == nil) != c.allow {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	if err := p.Connect(policy.Peer{Address: addr("stranger")}); !errors.Is(err, policy.ErrForbidden) {
		t.Errorf("stranger connects: %v, want ErrForbidden", err)
	}
}
