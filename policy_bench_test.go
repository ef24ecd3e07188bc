package teomq_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequestPolicy measures request/reply with 64 concurrent
// requests and 2 consumers under the default policy (no config file) and
// under a file of 1,000 rules, the producer and the consumers named by
// address in the last ones: a check per publish and subscribe must cost a
// map read, not a scan of the rules, so the two rows should match.
func BenchmarkRequestPolicy(b *testing.B) {
	for _, rules := range []int{0, 1000} {
		name := "no-file"
		if rules > 0 {
			name = fmt.Sprintf("rules=%d", rules)
		}
		b.Run(name, func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{})
			p := mustConnect(b, br)
			consumers := []*teomq.Client{mustConnect(b, br), mustConnect(b, br)}
			if rules > 0 {
				br.SetPolicy(mustParsePolicy(b, benchPolicy(rules, p.Address(), consumers[0].Address(), consumers[1].Address())))
			}
			runRequests(b, p, consumers...)
		})
	}
}

// benchPolicy is a config file of n rules over n roles, the last two of
// which let producer publish and the consumers consume "bench".
func benchPolicy(n int, producer string, consumers ...string) string {
	var sb strings.Builder
	for i := range n - 2 {
		fmt.Fprintf(&sb, "[roles.r%d]\naddresses = [%q]\n[[rule]]\nroles = [\"r%d\"]\npublish = [\"cmd%d.*\", \"other%d\"]\nconsume = [\"cmd%d\"]\n",
			i, fmt.Sprintf("%035d", i), i, i, i, i)
	}
	fmt.Fprintf(&sb, "[roles.producer]\naddresses = [%q]\n[[rule]]\nroles = [\"producer\"]\npublish = [\"bench\"]\n", producer)
	fmt.Fprintf(&sb, "[roles.consumers]\naddresses = [%q, %q]\n[[rule]]\nroles = [\"consumers\"]\nconsume = [\"bench\"]\n", consumers[0], consumers[1])
	return sb.String()
}
