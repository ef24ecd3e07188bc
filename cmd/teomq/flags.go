package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/teonet-go/teomq"
)

// identityFlags are the flags every subcommand has.
type identityFlags struct {
	name    string
	config  string
	verbose bool
}

// register adds the flags to fs. An empty defaultName makes the command
// one-shot: without -name it runs with a throwaway identity (made in
// memory, a new address each run, nothing kept in the config dir), so any
// number run at once.
func (f *identityFlags) register(fs *flag.FlagSet, defaultName string) {
	usage := "identity `name`: selects the key in <config>/teonet/<name>/ and so this peer's address; two live processes need two names"
	if defaultName == "" {
		usage += " (default: a throwaway identity for this run only)"
	}
	fs.StringVar(&f.name, "name", defaultName, usage)
	fs.StringVar(&f.config, "config", "", "config `dir` holding identities and the address book (default: the user config dir)")
	fs.BoolVar(&f.verbose, "v", false, "log debug details")
}

// logger logs to stderr at info level, or debug with -v.
func (f *identityFlags) logger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// identity is the client option of -name: a throwaway identity when it
// is empty.
func (f *identityFlags) identity() teomq.Option {
	if f.name == "" {
		return teomq.WithEphemeralIdentity()
	}
	return teomq.WithName(f.name)
}

// clientFlags are the flags of subcommands that connect to a broker.
type clientFlags struct {
	identityFlags
	broker  string
	connect time.Duration
}

func (f *clientFlags) register(fs *flag.FlagSet, defaultName string) {
	f.identityFlags.register(fs, defaultName)
	fs.StringVar(&f.broker, "broker", "", "broker `address`: ADDRESS (resolved on this machine) or ADDRESS@host:port; a comma-separated list fails over to the next broker in order (required)")
	fs.DurationVar(&f.connect, "connect-timeout", 10*time.Second, "how long to try to reach the broker")
}

// dial connects to the broker the flags name.
func (f *clientFlags) dial(ctx context.Context, e *env, opts ...teomq.Option) (*teomq.Client, error) {
	if f.broker == "" {
		return nil, usageErrorf("no broker: pass -broker ADDRESS (the address the broker printed at start)")
	}
	ctx, cancel := context.WithTimeout(ctx, f.connect)
	defer cancel()
	all := append([]teomq.Option{f.identity(), teomq.WithLogger(f.logger(e.stderr))}, opts...)
	if f.config != "" {
		all = append(all, teomq.WithConfigDir(f.config))
	}
	c, err := teomq.Connect(ctx, f.broker, all...)
	if err != nil {
		return nil, fmt.Errorf("-broker %s: %w", f.broker, err)
	}
	return c, nil
}

// newFlagSet makes a subcommand's flag set and makes its usage the one
// run prints after a usage error's reason (and parse for -h). fs.Usage
// prints nothing: calling it before returning a usage error is harmless.
func newFlagSet(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports parse errors, reason first
	fs.Usage = func() {}
	e.usage = func(w io.Writer) {
		fmt.Fprintf(w, "Usage: teomq %s %s\n\n%s\n\nFlags (anywhere on the line; -- ends them):\n", name, synopsis, about)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args, whose flags may stand before, between or after the
// arguments (see interspersed); fs.Args() then holds the arguments. -h
// prints the help to stdout and returns flag.ErrHelp, which is not an
// error.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	line, flags, _, err := interspersed(fs, args)
	if err != nil {
		return err
	}
	for _, a := range flags {
		if a == "-h" || a == "-help" || a == "--help" {
			e.usage(e.stdout)
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(line); err != nil {
		return &usageError{err: err}
	}
	return nil
}
