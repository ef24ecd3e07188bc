package router_test

import (
	"fmt"
	"time"

	"github.com/teonet-go/teomq/router"
)

// The broker's side of one request: the producer publishes, the router
// hands the message to the consumer, and the consumer's reply is routed
// back to the producer's connection.
func Example() {
	r := router.New(router.Config{})
	now := time.Unix(1_700_000_000, 0)
	const producer, consumer router.ConnID = 1, 2

	r.Connect(now, producer, "PRODUCERADDRESS")
	r.Connect(now, consumer, "CONSUMERADDRESS")
	r.Subscribe(now, consumer, 1, "num_servers", router.DefaultGroup, 8, false)

	m := &router.Message{ID: router.ID{1}, Command: "num_servers", From: "PRODUCERADDRESS", Request: true}
	if _, err := r.Admit(now, producer, m); err != nil {
		fmt.Println("refused:", err)
		return
	}
	// ... the broker stores m durably, then:
	var delivery router.Action
	for _, a := range r.Commit(now, m) {
		if a.Kind == router.ActDeliver {
			delivery = a
			fmt.Printf("deliver seq %d to conn %d, attempt %d\n", a.Msg.Seq, a.Conn, a.Attempt)
		}
	}
	acts, _ := r.Answer(now, consumer, delivery.Msg.ID, delivery.Attempt, router.Reply, []byte("3"))
	for _, a := range acts {
		switch a.Kind {
		case router.ActResult:
			fmt.Printf("result %q from %s to conn %d\n", a.Data, a.From, a.Conn)
		case router.ActAck:
			fmt.Printf("ack, delete: %v\n", a.Last)
		}
	}
	// Output:
	// deliver seq 1 to conn 2, attempt 1
	// result "3" from CONSUMERADDRESS to conn 1
	// ack, delete: true
}

// A Tick loop driven by NextDeadline: the broker sleeps until the router
// has timed work, then carries out the actions.
func ExampleRouter_NextDeadline() {
	r := router.New(router.Config{Lease: 30 * time.Second})
	now := time.Unix(1_700_000_000, 0)
	r.Subscribe(now, 2, 1, "jobs", router.DefaultGroup, 1, false)
	m := &router.Message{ID: router.ID{7}, Command: "jobs"}
	r.Admit(now, 1, m)
	r.Commit(now, m) // delivered, never answered

	next := r.NextDeadline()
	fmt.Println("sleep", next.Sub(now))
	for _, a := range r.Tick(next) {
		if a.Kind == router.ActDeliver {
			fmt.Println("redelivered, attempt", a.Attempt)
		}
	}
	// Output:
	// sleep 30s
	// redelivered, attempt 2
}
