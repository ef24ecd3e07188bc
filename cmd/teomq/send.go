package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/teonet-go/teomq"
)

// runSend stores one message and prints its ID once the broker confirmed it.
func runSend(ctx context.Context, e *env, args []string) error {
	return publishCommand{
		name:     "send",
		synopsis: "-broker ADDRESS [flags] COMMAND [DATA|-]",
		about: "Stores one message in COMMAND's queue and prints its ID after the broker's\n" +
			"confirm. DATA is the payload; - reads it from standard input.",
		timeout:      10 * time.Second,
		timeoutUsage: "how long to wait for the broker's confirm",
		do: func(ctx context.Context, e *env, c *teomq.Client, command string, data []byte) error {
			id, err := c.Send(ctx, command, data)
			if err != nil {
				return fmt.Errorf("send %q: %w", command, err)
			}
			fmt.Fprintln(e.stdout, id)
			return nil
		},
	}.run(ctx, e, args)
}

// commandAndData takes COMMAND [DATA|-] from the arguments.
func commandAndData(args []string, stdin io.Reader) (string, []byte, error) {
	switch len(args) {
	case 0:
		return "", nil, usageErrorf("missing COMMAND")
	case 1:
		return args[0], nil, nil
	case 2:
		if args[1] == "-" {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return "", nil, fmt.Errorf("read data from stdin: %w", err)
			}
			return args[0], data, nil
		}
		return args[0], []byte(args[1]), nil
	}
	return "", nil, usageErrorf("too many arguments: want COMMAND [DATA|-] (quote DATA with spaces)")
}
