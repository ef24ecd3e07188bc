package teonet_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/teonet-go/teomq/teonet"
)

// A broker listens, a client dials it by the endpoint the broker prints,
// and one frame goes each way.
func Example() {
	dir, err := os.MkdirTemp("", "teonet-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	broker, err := teonet.New(teonet.Config{Name: "broker", ConfigDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	l, err := broker.Listen("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		ch, err := l.Accept()
		if err != nil {
			return
		}
		p, err := ch.Recv()
		if err != nil {
			return
		}
		ch.Send(append([]byte("echo: "), p...))
	}()

	client, err := teonet.New(teonet.Config{Name: "client", ConfigDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	// On the same machine the bare address works too: broker.Address().
	ch, err := client.Dial(context.Background(), l.Endpoint())
	if err != nil {
		log.Fatal(err)
	}
	ch.Send([]byte("hello"))
	reply, err := ch.Recv()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(reply))
	fmt.Println(ch.PeerAddress() == broker.Address())
	// Output:
	// echo: hello
	// true
}

// A client keeps a channel to the broker open across broker restarts.
func ExampleNode_Redial() {
	dir, err := os.MkdirTemp("", "teonet-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	broker, err := teonet.New(teonet.Config{Name: "broker", ConfigDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	l, err := broker.Listen("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			ch, err := l.Accept()
			if err != nil {
				return
			}
			ch.Send([]byte("welcome"))
		}
	}()

	client, err := teonet.New(teonet.Config{Name: "client", ConfigDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	got := make(chan string, 1)
	r := client.Redial(teonet.RedialConfig{
		Targets: []string{broker.Address()}, // found in the address book
		Serve: func(ctx context.Context, ch *teonet.Channel) {
			for {
				p, err := ch.Recv()
				if err != nil {
					return // the redialer redials
				}
				select {
				case got <- string(p):
				default:
				}
			}
		},
	})
	defer r.Close()
	fmt.Println(<-got)
	// Output: welcome
}
