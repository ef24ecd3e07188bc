package policy_test

import (
	"errors"
	"fmt"

	"github.com/teonet-go/teomq/policy"
)

func ExampleParse() {
	p, err := policy.Parse([]byte(`
[roles.web]
origins = ["http://localhost:8094"]

[[rule]]
roles = ["web"]
consume = ["num_*"]
groups = ["web-*"]
`), "teomq.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	page := policy.Peer{Address: "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2", Origin: "http://localhost:8094"}
	fmt.Println(p.Connect(page))
	g := p.For(page) // once per connection
	fmt.Println(g.Allow(policy.Consume, "num_servers", "web-1"))
	fmt.Println(g.Allow(policy.Publish, "num_servers", ""))
	// Output:
	// <nil>
	// <nil>
	// policy: forbidden: og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2 (page of http://localhost:8094) may not publish "num_servers"
}

func ExampleDefault() {
	p := policy.Default()
	fmt.Println(p.Connect(policy.Peer{Address: "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2", Local: true}))
	err := p.Connect(policy.Peer{Address: "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2"})
	fmt.Println(errors.Is(err, policy.ErrRemoteRefused))
	// Output:
	// <nil>
	// true
}
