// Command teomq runs a teomq broker and talks to one from the shell.
//
//	teomq broker                          run a broker
//	teomq send -broker ADDR CMD [DATA]    store one message
//	teomq request -broker ADDR CMD [DATA] ask and print the answer
//	teomq consume -broker ADDR CMD...     print and answer messages
//	teomq stat -broker ADDR [-w]          watch queues, groups and rates
//	teomq dlq ls|show|replay|purge ...    operate on dead letters
//	teomq groups ls|rm ...                list and delete consumer groups
//	teomq queue purge -broker ADDR CMD    drop a command's waiting messages
//	teomq version                         print the version
//
// Run "teomq help" for the whole reference.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand reads and writes besides its flags.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// usage prints the running subcommand's usage; set by newFlagSet.
	usage func(io.Writer)
}

func commands() []command {
	return []command{
		{"broker", "run a broker", runBroker},
		{"send", "store one message in a command's queue and print its ID", runSend},
		{"request", "send a request and print the consumer's answer", runRequest},
		{"consume", "print messages of commands and answer them", runConsume},
		{"bench", "measure throughput and latency of a broker under load", runBench},
		{"stat", "print the broker's queues, groups and rates (-w: refresh like top)", runStat},
		{"dlq", "list, show, replay and purge a command's dead letters", runDLQ},
		{"groups", "list consumer groups and delete abandoned durable ones", runGroups},
		{"queue", "purge the messages waiting in a command's queue", runQueue},
		{"version", "print the version of teomq", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	code := exitCode(err)
	if code == 1 {
		fmt.Fprintln(os.Stderr, errorLine(err))
	}
	os.Exit(code)
}

// exitCode is the exit status for run's error: 0 for success and -h, 2
// for a usage error and 130 (128 + SIGINT) for an interrupted bench, both
// of which run reported already, and 1 for any other error, which main
// prints.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errInterrupted):
		return 130
	}
	return 1
}

// run dispatches args to a subcommand. A usage error is reported on
// stderr, its reason first and then the usage.
func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, "teomq: missing command\n\n")
		usage(e.stderr)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "-h"})
		}
		usage(e.stdout)
		return nil
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if errors.Is(err, errUsage) {
				fmt.Fprintf(e.stderr, "teomq %s: %v\n\n", c.name, err)
				if e.usage != nil {
					e.usage(e.stderr)
				}
			}
			return err
		}
	}
	fmt.Fprintf(e.stderr, "teomq: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "teomq is the Teonet Messages Queue: a command-routed request/reply queue.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: teomq <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "teomq help <command>" or "teomq <command> -h" for its flags.`)
	fmt.Fprintln(w, `Flags may come before or after the arguments; -- ends the flags.`)
}
