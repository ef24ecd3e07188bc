// Command producer is the basic example's producer: every -delay it sends
// "Hello world #N" to the broker and prints the answer with its round-trip
// time.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/examples/internal/example"
)

func main() {
	f := example.Parse("teomqproducer", true, "")
	log := f.Logger()
	ctx, stop := example.SignalContext()
	defer stop()
	c := f.Connect(ctx)
	defer c.Close()

	var wg sync.WaitGroup
	defer wg.Wait()
	for i := 1; ctx.Err() == nil; i++ {
		data := fmt.Sprintf("Hello world #%d", i)
		wg.Add(1)
		go func() { // owned by main: waited for before exit
			defer wg.Done()
			start := time.Now()
			// Answers may wait in the queue while no consumer runs.
			rctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			defer cancel()
			ans, err := c.Request(rctx, teomq.DefaultCommand, []byte(data))
			if err != nil {
				log.Printf("request %q: %v", data, err)
				return
			}
			log.Printf("recv answer id %s: %s (%v)", ans.ID, ans.Data, time.Since(start).Round(time.Microsecond))
		}()
		log.Printf("send message: %s", data)
		if !f.Delayed(ctx) {
			break
		}
	}
}
