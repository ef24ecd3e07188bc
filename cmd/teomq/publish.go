package main

import (
	"context"
	"time"

	"github.com/teonet-go/teomq"
)

// publishCommand is what send and request share: flags, the COMMAND
// [DATA|-] arguments and the connection; do makes the call.
type publishCommand struct {
	name, synopsis, about string
	timeout               time.Duration // default of -timeout
	timeoutUsage          string
	do                    func(ctx context.Context, e *env, c *teomq.Client, command string, data []byte) error
}

func (p publishCommand) run(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, p.name, p.synopsis, p.about)
	var (
		cf      clientFlags
		timeout time.Duration
	)
	cf.register(fs, "") // a throwaway identity unless -name is given
	fs.DurationVar(&timeout, "timeout", p.timeout, p.timeoutUsage)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	command, data, err := commandAndData(fs.Args(), e.stdin)
	if err != nil {
		return err
	}
	c, err := cf.dial(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return p.do(ctx, e, c, command, data)
}
