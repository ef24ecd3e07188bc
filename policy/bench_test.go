package policy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// rulesPolicy builds a policy of n roles and n rules, each naming its role
// and "local", so that a local peer's Grants hold all n rules' patterns.
func rulesPolicy(tb testing.TB, n int) *Policy {
	var b strings.Builder
	for i := range n {
		a := fmt.Sprintf("r%dx", i)
		fmt.Fprintf(&b, "[roles.r%d]\naddresses = [%q]\n", i, a+strings.Repeat("0", 35-len(a)))
	}
	for i := range n {
		fmt.Fprintf(&b, "[[rule]]\nroles = [\"r%d\", \"local\"]\npublish = [\"cmd_%d\", \"pat_%d_*\"]\nconsume = [\"cmd_%d\"]\ngroups = [\"g_%d\"]\n", i, i, i, i, i)
	}
	p, err := Parse([]byte(b.String()), "bench.toml")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkAllow measures the per-message check: the default policy, a
// 1,000-rule policy on the cached path (the broker's steady state), and
// the same past the cache bound, where each check scans the peer's
// patterns.
func BenchmarkAllow(b *testing.B) {
	local := Peer{Address: "local" + strings.Repeat("0", 30), Local: true}
	const cmd = "pat_999_x" // matched by the last rule's pattern
	run := func(b *testing.B, g *Grants) {
		b.ReportAllocs()
		for b.Loop() {
			if err := g.Allow(Publish, cmd, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("default", func(b *testing.B) { run(b, Default().For(local)) })
	p := rulesPolicy(b, 1000)
	b.Run("rules=1000/cached", func(b *testing.B) { run(b, p.For(local)) })
	b.Run("rules=1000/cached/parallel", func(b *testing.B) {
		g := p.For(local)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := g.Allow(Publish, cmd, ""); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("rules=1000/past-cache-bound", func(b *testing.B) {
		g := p.For(local)
		for i := range maxCached {
			_ = g.Allow(Publish, "junk_"+strconv.Itoa(i), "")
		}
		run(b, g)
	})
}

// BenchmarkFor measures compiling a peer's rights once per connection.
func BenchmarkFor(b *testing.B) {
	p := rulesPolicy(b, 1000)
	local := Peer{Address: "local" + strings.Repeat("0", 30), Local: true}
	b.ReportAllocs()
	for b.Loop() {
		p.For(local)
	}
}
