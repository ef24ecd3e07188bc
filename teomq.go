// Package teomq is the Teonet Messages Queue: a command-routed
// request/reply message queue.
//
// Producers send a command ("num_servers", "version", ...) with a payload to
// a Broker. The broker stores it in that command's queue and hands it to
// exactly one consumer subscribed to that command; the consumer's answer
// goes back to the producer by message ID. Messages wait while no consumer
// is connected.
//
// Peers find each other on the Teonet network by a key-derived address that
// the broker prints at start (see package teonet). Any Client can produce
// (Client.Send, Client.Request) and consume (Client.Subscribe).
//
//	b, _ := teomq.NewBroker(teomq.BrokerConfig{Name: "broker"})
//	c, _ := teomq.Connect(ctx, b.Address())
//	c.Subscribe("version", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
//		return []byte("1.0"), nil
//	})
//	ans, _ := c.Request(ctx, "version", nil)
//
// A program that runs a broker imports its disk store and its metrics for
// their side effect, as a database/sql program imports its driver:
//
//	import (
//		_ "github.com/teonet-go/teomq/metrics"           // /metrics
//		_ "github.com/teonet-go/teomq/store/pebblestore" // sync and interval durability
//	)
//
// A program that only connects imports this package alone, and links
// neither the storage engine nor the Prometheus client.
package teomq

import (
	"context"

	"github.com/google/uuid"
)

// MessageID identifies a message. Producers make them (UUIDv7: time-ordered),
// so a retried publish keeps its ID and the broker stores it once.
type MessageID = uuid.UUID

// DefaultCommand is the command the original project's basic example
// used when it named none. An empty command is refused (ErrBadName): name
// this one to use it.
const DefaultCommand = "default"

// Message is a message handed to a Handler.
type Message struct {
	ID      MessageID // the producer-made ID
	Command string    // the command it was sent to
	Data    []byte    // the payload; owned by the handler
	From    string    // the producer's Teonet address
	Attempt int       // 1 for the first delivery, higher for redeliveries
}

// Answer is a consumer's answer to a Request.
type Answer struct {
	ID   MessageID // the request's ID
	Data []byte    // the handler's reply
	From string    // the answering consumer's Teonet address
}

// Handler serves messages of a subscription. Its reply goes to the producer
// of a Request; an error reaches the producer as a *RemoteError and is not
// retried, except an error made with Retry, which asks for redelivery later.
//
// ctx is cancelled when the client closes and when the producer of a
// request gives up waiting for it (its Request's context ended): the
// answer would be dropped. It carries the message's deadline when it has
// one. Handlers run on the subscription's own goroutines, never on the
// connection's read goroutine.
type Handler func(ctx context.Context, m *Message) ([]byte, error)
