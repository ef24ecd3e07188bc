package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/teonet-go/teomq"
)

// An operator lists a command's dead letters, looks at one and replays
// them once the consumer is fixed. The client runs on the broker's
// machine, where the default policy allows operator requests.
func ExampleClient_DeadLetters() {
	dir, _ := os.MkdirTemp("", "teomq-example")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	broker, err := teomq.NewBroker(teomq.BrokerConfig{
		Name: "broker", ConfigDir: dir, Listen: "127.0.0.1:0",
		Durability: teomq.DurabilityMemory, MaxDeliveries: 1, Logger: testLogger(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	c, err := teomq.Connect(ctx, broker.Endpoint(), teomq.WithName("ops"), teomq.WithConfigDir(dir), teomq.WithLogger(testLogger()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fixed := make(chan bool, 1)
	fixed <- false
	done := make(chan string, 1)
	c.Subscribe("resize", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		ok := <-fixed
		fixed <- ok
		if !ok {
			return nil, teomq.Retry(errors.New("image service down"))
		}
		done <- string(m.Data)
		return nil, nil
	})
	if _, err := c.Request(ctx, "resize", []byte("cat.png")); errors.Is(err, teomq.ErrDeadLetter) {
		fmt.Println("dead-lettered")
	}

	list, err := c.DeadLetters(ctx, "resize")
	if err != nil {
		log.Fatal(err)
	}
	dl, err := c.DeadLetter(ctx, "resize", list.Letters[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d dead letter: %s after %d attempt (%s)\n", list.Total, dl.Data, dl.Attempts, dl.LastError)

	<-fixed
	fixed <- true
	n, err := c.Replay(ctx, "resize")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("replayed", n, "and handled", <-done)
	// Output:
	// dead-lettered
	// 1 dead letter: cat.png after 1 attempt (retry: image service down)
	// replayed 1 and handled cat.png
}
