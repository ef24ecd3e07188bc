package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/policy"
)

const rulesFile = `
[roles.producers]
addresses = ["<P>"]

[roles.consumers]
addresses = ["<C>"]

[roles.dashboard]
origins = ["HTTP://LocalHost:8094"]

[roles.pinned]
addresses = ["<W>"]

[[rule]]
roles = ["producers"]
publish = ["num_servers", "stats.*"]

[[rule]]
roles = ["consumers"]
consume = ["num_*"]

[[rule]]
roles = ["dashboard"]
consume = ["num_servers"]
groups = ["web-*", "default"]

[[rule]]
roles = ["pinned"]
publish = ["chat"]

[[rule]]
roles = ["local"]
publish = ["version"]
admin = ["*"]

[[rule]]
roles = ["anyone"]
publish = ["ping"]
`

func TestAllow(t *testing.T) {
	p := mustParse(t, fill(rulesFile))
	producer := policy.Peer{Address: addr("producer")}
	consumer := policy.Peer{Address: addr("consumer")}
	page := policy.Peer{Address: addr("somepage"), Origin: "http://localhost:8094", Local: true}
	pinned := policy.Peer{Address: addr("webpage"), Origin: "https://elsewhere.example"}
	localGo := policy.Peer{Address: addr("local"), Local: true}
	stranger := policy.Peer{Address: addr("stranger")}
	tests := []struct {
		name    string
		peer    policy.Peer
		action  policy.Action
		command string
		group   string
		allow   bool
	}{
		{"address publishes listed command", producer, policy.Publish, "num_servers", "", true},
		{"address publishes unlisted command", producer, policy.Publish, "num_players", "", false},
		{"pattern matches", producer, policy.Publish, "stats.cpu", "", true},
		{"pattern is anchored at the start", producer, policy.Publish, "xstats.cpu", "", false},
		{"publish right is not consume right", producer, policy.Consume, "num_servers", "", false},
		{"consume without groups: default group", consumer, policy.Consume, "num_players", "", true},
		{"consume without groups: any group", consumer, policy.Consume, "num_players", "audit", true},
		{"consume pattern does not match", consumer, policy.Consume, "players", "", false},
		{"consume right is not publish right", consumer, policy.Publish, "num_players", "", false},
		{"origin consumes in a listed group pattern", page, policy.Consume, "num_servers", "web-abc", true},
		{"origin consumes in the default group", page, policy.Consume, "num_servers", "", true},
		{"origin consumes in an unlisted group", page, policy.Consume, "num_servers", "audit", false},
		{"origin consumes an unlisted command", page, policy.Consume, "num_players", "web-abc", false},
		{"a page is never local", page, policy.Publish, "version", "", false},
		{"a page by its address", pinned, policy.Publish, "chat", "", true},
		{"a page of another origin", pinned, policy.Consume, "num_servers", "web-abc", false},
		{"local Go peer", localGo, policy.Publish, "version", "", true},
		{"local admin of a command", localGo, policy.Admin, "num_servers", "", true},
		{"local admin of the broker", localGo, policy.Admin, "", "", true},
		{"admin is not publish", localGo, policy.Publish, "num_servers", "", false},
		{"anyone", stranger, policy.Publish, "ping", "", true},
		{"anyone, nothing else", stranger, policy.Publish, "version", "", false},
		{"no admin for a remote peer", stranger, policy.Admin, "", "", false},
		{"zero action", localGo, policy.Action(0), "version", "", false},
	}
	grants := map[policy.Peer]*policy.Grants{} // one per peer, as a connection keeps them
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := grants[tt.peer]
			if !ok {
				g = p.For(tt.peer)
				grants[tt.peer] = g
			}
			for range 2 { // the second call is answered from the cache
				err := g.Allow(tt.action, tt.command, tt.group)
				if tt.allow && err != nil {
					t.Fatalf("Allow(%v, %q, %q) = %v, want nil", tt.action, tt.command, tt.group, err)
				}
				if !tt.allow {
					checkForbidden(t, err, tt.peer, tt.action, tt.command)
				}
			}
		})
	}
}

// checkForbidden checks that err refuses action on command to peer.
func checkForbidden(t *testing.T, err error, peer policy.Peer, action policy.Action, command string) {
	t.Helper()
	var fe *policy.ForbiddenError
	switch {
	case !errors.Is(err, policy.ErrForbidden):
		t.Fatalf("Allow(%v, %q) = %v, want ErrForbidden", action, command, err)
	case !errors.As(err, &fe):
		t.Fatalf("Allow(%v, %q) = %T, want *ForbiddenError", action, command, err)
	case fe.Peer != peer.Address || fe.Action != action || fe.Command != command:
		t.Fatalf("ForbiddenError %+v, want peer %s, %v %q", fe, peer.Address, action, command)
	case !strings.Contains(err.Error(), action.String()) || !strings.Contains(err.Error(), peer.Address):
		t.Fatalf("error %q does not name the action and the peer", err)
	}
}

func TestConnect(t *testing.T) {
	noAnyone := strings.Replace(fill(rulesFile), `roles = ["anyone"]`, `roles = ["producers"]`, 1)
	file := mustParse(t, noAnyone)
	settingsOnly := mustParse(t, "[broker]\nlisten = \":7070\"\n")
	remote := policy.Peer{Address: addr("stranger")}
	remotePage := policy.Peer{Address: addr("somepage"), Origin: "http://evil.example"}
	tests := []struct {
		name     string
		p        *policy.Policy
		peer     policy.Peer
		want     error    // nil: accepted
		mentions []string // in the refusal
	}{
		{"default: local Go peer", policy.Default(), policy.Peer{Address: addr("a"), Local: true}, nil, nil},
		{"default: local page", policy.Default(), policy.Peer{Address: addr("a"), Origin: "http://localhost:8094", Local: true}, nil, nil},
		{"default: remote peer", policy.Default(), remote, policy.ErrRemoteRefused,
			[]string{remote.Address, "-conf", `addresses = ["` + remote.Address + `"]`, "[[rule]]", "no config file"}},
		{"default: remote page", policy.Default(), remotePage, policy.ErrRemoteRefused,
			[]string{"-conf", `origins = ["http://evil.example"]`}},
		{"file without rules: local", settingsOnly, policy.Peer{Address: addr("a"), Local: true}, nil, nil},
		{"file without rules: remote", settingsOnly, remote, policy.ErrRemoteRefused,
			[]string{"test.toml has no [[rule]]", "-conf"}},
		{"file: listed address", file, policy.Peer{Address: addr("consumer")}, nil, nil},
		{"file: listed origin", file, policy.Peer{Address: addr("x"), Origin: "http://localhost:8094"}, nil, nil},
		{"file: local Go peer", file, policy.Peer{Address: addr("x"), Local: true}, nil, nil},
		{"file: unlisted remote peer", file, remote, policy.ErrForbidden,
			[]string{remote.Address, "test.toml", `addresses = ["` + remote.Address + `"]`}},
		{"file: local page of an unlisted origin", file, policy.Peer{Address: addr("x"), Origin: "http://evil.example", Local: true},
			policy.ErrForbidden, []string{`origins = ["http://evil.example"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Connect(tt.peer)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Connect = %v, want %v", err, tt.want)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("refusal %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestDefaultGrants(t *testing.T) {
	local := policy.Default().For(policy.Peer{Address: addr("a"), Local: true})
	remote := policy.Default().For(policy.Peer{Address: addr("b")})
	for _, a := range []policy.Action{policy.Publish, policy.Consume, policy.Admin} {
		if err := local.Allow(a, "any_command", "any-group"); err != nil {
			t.Errorf("local %v: %v", a, err)
		}
		if err := remote.Allow(a, "any_command", ""); !errors.Is(err, policy.ErrForbidden) {
			t.Errorf("remote %v: %v, want ErrForbidden", a, err)
		}
	}
}

func TestOrigins(t *testing.T) {
	p := mustParse(t, fill(rulesFile))
	if got := p.Origins(); len(got) != 1 || got[0] != "http://localhost:8094" {
		t.Fatalf("Origins = %q, want the normalized origin of the dashboard role", got)
	}
}
