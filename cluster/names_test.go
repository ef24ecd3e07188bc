package cluster

import (
	"strings"
	"testing"
)

// Every command and group name the router accepts becomes one subject
// token and consumer name part that NATS accepts, distinct names stay
// distinct, and the operator's view parses them back.
func TestNamesRoundTrip(t *testing.T) {
	n := names{prefix: "TEOMQ"}
	cases := []struct{ command, group string }{
		{"num_servers", ""},
		{"num_servers", "values"},
		{"num.servers", "a.b"},
		{"*", ">"},
		{"=41", "_"},
		{"A", "=5f"},
		{"с кириллицей", "группа"},
		{"a-b", "c/d"},
	}
	seen := make(map[string]bool)
	for _, c := range cases {
		name := n.groupConsumer(c.command, c.group)
		if strings.ContainsAny(name, ".*> \\/\t") {
			t.Errorf("consumer name %q of (%q, %q) holds a character NATS refuses", name, c.command, c.group)
		}
		if seen[name] {
			t.Errorf("consumer name %q made twice", name)
		}
		seen[name] = true
		cmd, group, ok := parseGroupConsumer(name)
		if !ok || cmd != c.command || group != c.group {
			t.Errorf("parseGroupConsumer(%q) = %q, %q, %v; want %q, %q", name, cmd, group, ok, c.command, c.group)
		}
		subj := n.deadSubject(c.command, c.group)
		if strings.Count(subj, ".") != 3 || strings.ContainsAny(subj, "*> ") {
			t.Errorf("dead subject %q of (%q, %q) is not 4 plain tokens", subj, c.command, c.group)
		}
		cmd, group, ok = n.parseDeadSubject(subj)
		if !ok || cmd != c.command || group != c.group {
			t.Errorf("parseDeadSubject(%q) = %q, %q, %v; want %q, %q", subj, cmd, group, ok, c.command, c.group)
		}
	}
}
