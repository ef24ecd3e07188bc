package main

import (
	"context"
	"fmt"
	"time"
)

// runRequest sends a request and prints the consumer's answer.
func runRequest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "request", "-broker ADDRESS [flags] COMMAND [DATA|-]",
		"Sends a request to COMMAND and prints the consumer's answer on standard output.\nExits non-zero on timeout or when the consumer's handler fails.")
	var (
		cf      clientFlags
		timeout time.Duration
	)
	cf.register(fs, "teomq-request")
	fs.DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer; the message is void after it")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	command, data, err := commandAndData(fs.Args(), e.stdin)
	if err != nil {
		fs.Usage()
		return err
	}
	c, err := cf.dial(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ans, err := c.Request(ctx, command, data)
	if err != nil {
		return fmt.Errorf("request %s: %w", command, err)
	}
	e.stdout.Write(ans.Data)
	fmt.Fprintln(e.stdout)
	return nil
}
