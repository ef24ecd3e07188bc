package pebblestore_test

import (
	"fmt"
	"log"
	"os"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// A broker opens its store, rebuilds its state with Load, then writes as
// its state changes: a synced append before confirming a publish, and
// unsynced acks that ride on the next synced write.
func ExampleOpenPebble() {
	dir, err := os.MkdirTemp("", "teomq-store")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Load(func(r *store.Record) error { return nil }); err != nil {
		log.Fatal(err)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		msg := &store.Message{Command: "version", Seq: seq, From: "producer", Data: []byte("v?")}
		if err := s.Write([]store.Op{{Kind: store.KindMessage, Msg: msg}}, true); err != nil {
			log.Fatal(err) // not confirmed: the producer retries
		}
	}
	ack := store.Op{Kind: store.KindAck, Command: "version", Seq: 1, Last: true}
	if err := s.Write([]store.Op{ack}, false); err != nil {
		log.Fatal(err)
	}
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}

	// After a restart, the unacked messages come back in order.
	s, err = pebblestore.OpenPebble(dir, pebblestore.PebbleOptions{Logger: quietLogger()})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	err = s.Load(func(r *store.Record) error {
		if r.Kind == store.KindMessage {
			fmt.Println(r.Command, r.Msg.Seq)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// version 2
	// version 3
}
