package policy

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const cacheFile = `
[roles.p]
addresses = ["producer000000000000000000000000000"]

[[rule]]
roles = ["p"]
publish = ["ok_*"]
`

// A peer that makes up command names cannot grow its cache past maxCached,
// and decisions past the bound stay right.
func TestCacheBound(t *testing.T) {
	p, err := Parse([]byte(cacheFile), "cache.toml")
	if err != nil {
		t.Fatal(err)
	}
	g := p.For(Peer{Address: "producer000000000000000000000000000"})
	for i := range maxCached + 100 {
		_ = g.Allow(Publish, "random_"+strconv.Itoa(i), "")
	}
	if n := g.cached; n != maxCached {
		t.Fatalf("cache holds %d decisions, want the bound %d", n, maxCached)
	}
	if err := g.Allow(Publish, "ok_uncached", ""); err != nil {
		t.Fatalf("allowed command past the bound: %v", err)
	}
	if err := g.Allow(Publish, "denied_uncached", ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("forbidden command past the bound: %v", err)
	}
	if n := g.cached; n != maxCached {
		t.Fatalf("cache grew to %d past the bound", n)
	}
}

// One connection's goroutines share its Grants (run with -race).
func TestGrantsConcurrentUse(t *testing.T) {
	p, err := Parse([]byte(cacheFile), "cache.toml")
	if err != nil {
		t.Fatal(err)
	}
	g := p.For(Peer{Address: "producer000000000000000000000000000"})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				cmd := "ok_" + strconv.Itoa((i+w)%50)
				if err := g.Allow(Publish, cmd, ""); err != nil {
					t.Errorf("%s: %v", cmd, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Peers of distinct rule sets cannot grow the policy's memo of compiled
// rights past maxRights, and each still gets its own rights.
func TestRightsMemoBound(t *testing.T) {
	p := rulesPolicy(t, maxRights+10)
	for i := range maxRights + 10 {
		a := "r" + strconv.Itoa(i) + "x"
		peer := Peer{Address: a + strings.Repeat("0", 35-len(a))}
		if err := p.For(peer).Allow(Publish, "cmd_"+strconv.Itoa(i), ""); err != nil {
			t.Fatalf("peer %d: %v", i, err)
		}
		if err := p.For(peer).Allow(Publish, "cmd_"+strconv.Itoa(i+1), ""); !errors.Is(err, ErrForbidden) {
			t.Fatalf("peer %d, another rule's command: %v", i, err)
		}
	}
	if n := len(p.rightsOf); n != maxRights {
		t.Fatalf("memo holds %d rights, want the bound %d", n, maxRights)
	}
}
