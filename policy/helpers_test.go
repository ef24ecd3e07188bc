package policy_test

import (
	"strings"
	"testing"

	"github.com/teonet-go/teomq/policy"
)

// addr makes a valid 35-character address starting with prefix.
func addr(prefix string) string { return prefix + strings.Repeat("0", 35-len(prefix)) }

// mustParse parses a config file or fails the test.
func mustParse(t testing.TB, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(src), "test.toml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// fill replaces the placeholders P, C, W in src with addresses.
func fill(src string) string {
	return strings.NewReplacer("<P>", addr("producer"), "<C>", addr("consumer"), "<W>", addr("webpage")).Replace(src)
}
