package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"time"

	"github.com/teonet-go/teomq"
)

// runConsume prints messages of the given commands and answers them.
func runConsume(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "consume", "-broker ADDRESS [flags] COMMAND...",
		"Subscribes to each COMMAND and prints every message as one line:\n  <command> <id> <data>\nand answers it with -answer TEXT, or with its own data when -answer is not given.")
	var (
		cf     clientFlags
		group  string
		n      int
		answer string
		conc   int
	)
	cf.register(fs, "teomq-consume")
	fs.StringVar(&group, "group", "", "consumer `group`: each group gets its own copy of every message (default: the shared default group)")
	fs.IntVar(&n, "n", 0, "exit after handling N messages (0: run until interrupted)")
	fs.StringVar(&answer, "answer", "", "answer every message with `TEXT` instead of echoing its data")
	fs.IntVar(&conc, "concurrency", 1, "messages handled at once per command")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("missing COMMAND")
	}
	answerSet := false
	fs.Visit(func(f *flag.Flag) { answerSet = answerSet || f.Name == "answer" })

	c, err := cf.dial(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()

	var (
		mu    sync.Mutex // guards count and printing
		count int
	)
	done := make(chan struct{})
	handler := func(_ context.Context, m *teomq.Message) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 && count >= n {
			return nil, teomq.Retry(fmt.Errorf("consumer is done after %d messages", n))
		}
		count++
		fmt.Fprintf(e.stdout, "%s %s %s\n", m.Command, m.ID, m.Data)
		if n > 0 && count == n {
			close(done)
		}
		if answerSet {
			return []byte(answer), nil
		}
		return m.Data, nil
	}
	for _, command := range fs.Args() {
		if _, err := c.Subscribe(command, handler, teomq.Group(group), teomq.Concurrency(conc)); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Subscribed to %s as %s\n", command, c.Address())
	}
	select {
	case <-done:
		// Let the last answer reach the broker before closing.
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Drain(dctx)
	case <-ctx.Done():
		return nil
	}
}
