package main

import (
	"context"
	"fmt"
	"time"

	"github.com/teonet-go/teomq"
)

// runRequest sends a request and prints the consumer's answer.
func runRequest(ctx context.Context, e *env, args []string) error {
	return publishCommand{
		name:     "request",
		synopsis: "-broker ADDRESS [flags] COMMAND [DATA|-]",
		about: "Sends a request to COMMAND and prints the consumer's answer on standard output.\n" +
			"Exits non-zero on timeout or when the consumer's handler fails.",
		timeout:      5 * time.Second,
		timeoutUsage: "how long to wait for the answer; the message is void after it",
		do: func(ctx context.Context, e *env, c *teomq.Client, command string, data []byte) error {
			ans, err := c.Request(ctx, command, data)
			if err != nil {
				return fmt.Errorf("request %q: %w", command, err)
			}
			e.stdout.Write(ans.Data)
			fmt.Fprintln(e.stdout)
			return nil
		},
	}.run(ctx, e, args)
}
