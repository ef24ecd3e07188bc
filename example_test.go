package teomq_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/teonet-go/teomq"
)

// Example runs a broker, a consumer of "num_servers" and a producer that
// sends to it and asks it.
func Example() {
	dir, _ := os.MkdirTemp("", "teomq-example")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	broker, err := teomq.NewBroker(teomq.BrokerConfig{
		Name:       "broker",
		ConfigDir:  dir,
		Listen:     "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     testLogger(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()

	consumer, err := teomq.Connect(ctx, broker.Endpoint(), teomq.WithName("consumer"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
	if err != nil {
		log.Fatal(err)
	}
	defer consumer.Close()
	_, err = consumer.Subscribe("num_servers", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		return fmt.Appendf(nil, "got %s", m.Data), nil
	})
	if err != nil {
		log.Fatal(err)
	}

	producer, err := teomq.Connect(ctx, broker.Endpoint(), teomq.WithName("producer"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	if _, err := producer.Send(ctx, "num_servers", []byte("41")); err != nil {
		log.Fatal(err)
	}
	answer, err := producer.Request(ctx, "num_servers", []byte("42"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(answer.Data))
	// Output: got 42
}
