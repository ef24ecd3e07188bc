package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/policy"
)

func TestParseErrors(t *testing.T) {
	const rule = "[[rule]]\nroles = [\"local\"]\npublish = [\"x\"]\n"
	tests := []struct {
		name string
		src  string
		want []string // in the error, besides the file name
	}{
		{"syntax", "[broker]\nlisten = = 1\n", []string{"test.toml:2:"}},
		{"wrong type", "[[rule]]\nroles = \"local\"\npublish = [\"x\"]\n", []string{"test.toml", "rule.roles"}},
		{"unknown table", "[brokers]\nlisten = \":1\"\n", []string{"unknown key brokers"}},
		{"unknown role key", "[roles.a]\nadresses = [\"<P>\"]\n", []string{"unknown key roles.a.adresses"}},
		{"unknown rule key", "[[rule]]\nroles = [\"local\"]\npubish = [\"x\"]\n", []string{"unknown key rule.pubish"}},
		{"unknown role in a rule", rule + "\n[[rule]]\nroles = [\"opz\"]\nadmin = [\"*\"]\n",
			[]string{"test.toml:5: rule 2", `unknown role "opz"`, "defined: none; built in: local, anyone"}},
		{"short address", "[roles.a]\naddresses = [\"abc\"]\n" + rule, []string{"test.toml:2:", "roles.a.addresses", "length 3, want 35"}},
		{"bad address character", "[roles.a]\n\naddresses = [\"" + addr("bad-") + "\"]\n" + rule, []string{"test.toml:3:", "invalid character '-'"}},
		{"origin with a path", "[roles.a]\norigins = [\"http://localhost:8094/page\"]\n" + rule, []string{"test.toml:2:", "no path"}},
		{"origin without scheme", "[roles.a]\norigins = [\"localhost:8094\"]\n" + rule, []string{"test.toml:2:", "scheme://host"}},
		{"pattern with a space", rule + "[[rule]]\nroles = [\"local\"]\nconsume = [\"num servers\"]\n",
			[]string{"test.toml:4: rule 2", `pattern "num servers"`}},
		{"empty pattern", rule + "# [[rule]] in a comment\n[[rule]]\nroles = [\"local\"]\nadmin = [\"\"]\n",
			[]string{"test.toml:5: rule 2", "empty"}},
		{"bad group pattern", "[[rule]]\nroles = [\"local\"]\nconsume = [\"x\"]\ngroups = [\"a\\tb\"]\n", []string{"test.toml:1: rule 1", "pattern"}},
		{"built-in role redefined", "[roles.local]\naddresses = [\"<P>\"]\n" + rule, []string{"roles.local", "built-in"}},
		{"role without members", "[roles.a]\naddresses = []\n" + rule, []string{"roles.a", "no addresses or origins"}},
		{"rule without roles", "[[rule]]\npublish = [\"x\"]\n", []string{"rule 1", "names no roles"}},
		{"rule allowing nothing", "[[rule]]\nroles = [\"local\"]\n", []string{"rule 1", "allows nothing"}},
		{"groups without consume", "[[rule]]\nroles = [\"local\"]\npublish = [\"x\"]\ngroups = [\"g\"]\n", []string{"rule 1", "no consume"}},
		{"empty groups", "[[rule]]\nroles = [\"local\"]\nconsume = [\"x\"]\ngroups = []\n", []string{"rule 1", "groups is empty"}},
		{"table in broker", "[broker.listen]\nport = 1\n", []string{"broker.listen: a table"}},
		{"nested array in broker", "[broker]\nallow-origin = [[\"a\"]]\n", []string{"broker.allow-origin", "array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(fill(tt.src)), "test.toml")
			if !errors.Is(err, policy.ErrBadPolicy) {
				t.Fatalf("Parse = %v, %v; want an error matching ErrBadPolicy", p, err)
			}
			for _, w := range append(tt.want, "test.toml") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseNormalizesOrigins(t *testing.T) {
	p := mustParse(t, "[roles.web]\norigins = [\"HTTP://Example.COM:80\"]\n[[rule]]\nroles = [\"web\"]\npublish = [\"x\"]\n")
	page := policy.Peer{Address: addr("page"), Origin: "http://example.com"}
	if err := p.For(page).Allow(policy.Publish, "x", ""); err != nil {
		t.Fatalf("page of http://example.com: %v", err)
	}
}
