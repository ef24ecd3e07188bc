// Command teomq runs a teomq broker and talks to one from the shell.
//
//	teomq broker                          run a broker
//	teomq send -broker ADDR CMD [DATA]    store one message
//	teomq request -broker ADDR CMD [DATA] ask and print the answer
//	teomq consume -broker ADDR CMD...     print and answer messages
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
}

func commands() []command {
	return []command{
		{"broker", "run a broker", runBroker},
		{"send", "store one message in a command's queue and print its ID", runSend},
		{"request", "send a request and print the consumer's answer", runRequest},
		{"consume", "print messages of commands and answer them", runConsume},
		{"bench", "measure throughput and latency of a broker under load", runBench},
	}
}

// errUsage is returned for wrong command lines; the usage was printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(1)
	}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
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
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
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
}
