package main

import (
	"context"
	"fmt"

	"github.com/teonet-go/teomq"
)

const queueAbout = `Acts on a command's queue.`

// runQueue runs "teomq queue purge".
func runQueue(ctx context.Context, e *env, args []string) error {
	return runActions(ctx, e, "queue", queueAbout, []action{
		{name: "purge", synopsis: "COMMAND", args: [2]int{1, 1}, run: queuePurge,
			confirm: func(args []string) string {
				return fmt.Sprintf("Remove every message of %s that waits for a consumer?", args[0])
			},
			about: "Removes the messages of COMMAND that wait for a consumer, in every group;\nwaiting requests fail. Messages a consumer holds are left to finish (one it\nhands back unanswered waits again), and dead letters stay (teomq dlq purge).\nNeeds -yes when standard input is not a terminal."},
	}, args)
}

func queuePurge(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	ctx, cancel := f.call(ctx)
	defer cancel()
	n, err := c.PurgeQueue(ctx, args[0])
	if err != nil {
		return fmt.Errorf("queue purge %s: %w", args[0], err)
	}
	return printCount(e, f, "purged", n, "waiting messages of "+args[0])
}
