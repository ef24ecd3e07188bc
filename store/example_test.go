package store_test

import (
	"fmt"

	"github.com/teonet-go/teomq/store"
)

// The memory store has the same semantics as the disk store without
// durability.
func ExampleNewMemory() {
	s := store.NewMemory()
	defer s.Close()
	_ = s.Write([]store.Op{
		{Kind: store.KindGroup, Command: "users", Group: "audit"},
		{Kind: store.KindMessage, Msg: &store.Message{Command: "users", Seq: 1}},
		{Kind: store.KindAck, Command: "users", Seq: 1, Group: "audit"},
	}, true)
	_ = s.Load(func(r *store.Record) error {
		fmt.Println(r.Kind, r.Command, r.Group, r.AckedBy)
		return nil
	})
	// Output:
	// group users audit []
	// message users  [audit]
}
