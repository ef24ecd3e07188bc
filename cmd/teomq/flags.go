package main

import (
	"context"
	"errors"
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

func (f *identityFlags) register(fs *flag.FlagSet, defaultName string) {
	fs.StringVar(&f.name, "name", defaultName, "identity `name`: selects the key in <config>/teonet/<name>/ and so this peer's address; two live processes need two names")
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

// clientFlags are the flags of subcommands that connect to a broker.
type clientFlags struct {
	identityFlags
	broker  string
	connect time.Duration
}

func (f *clientFlags) register(fs *flag.FlagSet, defaultName string) {
	f.identityFlags.register(fs, defaultName)
	fs.StringVar(&f.broker, "broker", "", "broker `address`: ADDRESS (resolved on this machine) or ADDRESS@host:port (required)")
	fs.DurationVar(&f.connect, "connect-timeout", 10*time.Second, "how long to try to reach the broker")
}

// dial connects to the broker the flags name.
func (f *clientFlags) dial(ctx context.Context, e *env, opts ...teomq.Option) (*teomq.Client, error) {
	if f.broker == "" {
		return nil, fmt.Errorf("no broker: pass -broker ADDRESS (the address the broker printed at start)")
	}
	ctx, cancel := context.WithTimeout(ctx, f.connect)
	defer cancel()
	all := append([]teomq.Option{teomq.WithName(f.name), teomq.WithLogger(f.logger(e.stderr))}, opts...)
	if f.config != "" {
		all = append(all, teomq.WithConfigDir(f.config))
	}
	c, err := teomq.Connect(ctx, f.broker, all...)
	if err != nil {
		return nil, fmt.Errorf("-broker %s: %w", f.broker, err)
	}
	return c, nil
}

// newFlagSet makes a subcommand's flag set; usage errors print its help.
func newFlagSet(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: teomq %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; -h prints the help to stdout and is not an error.
func parse(fs *flag.FlagSet, e *env, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return errors.Join(errUsage, err)
	}
	return nil
}
