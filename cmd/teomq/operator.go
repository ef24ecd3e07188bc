package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

// The operator subcommands (stat, dlq, groups, queue) are thin over the
// Client's operator requests. They print tables for people and, with
// -json, JSON for scripts. Destructive actions ask for confirmation on a
// terminal and need -yes otherwise.

// operatorFlags are the flags every operator subcommand has.
type operatorFlags struct {
	clientFlags
	json    bool
	yes     bool
	timeout time.Duration
}

func (f *operatorFlags) register(fs *flag.FlagSet, name string) {
	f.clientFlags.register(fs, "") // a throwaway identity unless -name names one
	fs.BoolVar(&f.json, "json", false, "print JSON for scripts instead of a table")
	fs.BoolVar(&f.yes, "yes", false, "do a destructive action without asking; required when standard input is not a terminal")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "how long to wait for each reply of the broker")
}

// action is one verb of a subcommand with verbs (dlq ls, groups rm, ...).
type action struct {
	name     string
	synopsis string // the arguments after the flags
	about    string
	args     [2]int // least and most arguments; -1: no most
	// confirm, when set, is the question a destructive action asks ("":
	// none for these arguments); args are the action's arguments.
	confirm func(args []string) string
	run     func(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error
}

// runActions runs the verb that args name, of the subcommand cmd.
func runActions(ctx context.Context, e *env, cmd, about string, actions []action, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		w := e.stderr
		if len(args) > 0 {
			w = e.stdout
		}
		fmt.Fprintf(w, "Usage: teomq %s <verb> -broker ADDRESS [flags] ARGS\n\n%s\n\nVerbs:\n", cmd, about)
		for _, a := range actions {
			fmt.Fprintf(w, "  %-7s %s\n", a.name, a.synopsis)
		}
		fmt.Fprintf(w, "\nRun \"teomq %s <verb> -h\" for a verb's help.\n\nFlags of every verb:\n", cmd)
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(w)
		new(operatorFlags).register(fs, cmd)
		fs.PrintDefaults()
		if len(args) == 0 {
			return fmt.Errorf("%w: missing verb", errUsage)
		}
		return flag.ErrHelp
	}
	for _, a := range actions {
		if a.name == args[0] {
			return a.runWith(ctx, e, cmd, args[1:])
		}
	}
	return fmt.Errorf("%w: teomq %s: unknown verb %q", errUsage, cmd, args[0])
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

// runWith parses the verb's flags and arguments, confirms a destructive
// action, connects and runs it.
func (a action) runWith(ctx context.Context, e *env, cmd string, args []string) error {
	name := cmd + " " + a.name
	fs := newFlagSet(e, name, "-broker ADDRESS [flags] "+a.synopsis, a.about)
	var f operatorFlags
	f.register(fs, cmd)
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if n := fs.NArg(); n < a.args[0] || (a.args[1] >= 0 && n > a.args[1]) {
		fs.Usage()
		return fmt.Errorf("%w: teomq %s takes %s", errUsage, name, a.synopsis)
	}
	if a.confirm != nil {
		if q := a.confirm(fs.Args()); q != "" {
			if err := confirm(e, f.yes, q); err != nil {
				return err
			}
		}
	}
	c, err := f.dial(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	return a.run(ctx, e, c, &f, fs.Args())
}

// errNotConfirmed is returned when a destructive action was not confirmed.
var errNotConfirmed = errors.New("not confirmed")

// confirm asks question on a terminal and returns nil if the answer is
// yes. Without a terminal on standard input only -yes confirms.
func confirm(e *env, yes bool, question string) error {
	if yes {
		return nil
	}
	in, ok := e.stdin.(*os.File)
	if !ok || !loadgen.IsTerminal(in) {
		return fmt.Errorf("%w: %s: pass -yes (standard input is not a terminal)", errNotConfirmed, question)
	}
	fmt.Fprintf(e.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}

// call bounds one request to the broker by -timeout.
func (f *operatorFlags) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.timeout)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTable returns a writer that aligns tab-separated columns; Flush it.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// defaultGroupName names the default group ("") on the command line, as
// the broker's config file does.
const defaultGroupName = "default"

// groupLabel is how a table shows a group name.
func groupLabel(name string) string {
	if name == "" {
		return defaultGroupName
	}
	return name
}

// groupArg is the group a command-line argument names.
func groupArg(s string) string {
	if s == defaultGroupName {
		return ""
	}
	return s
}
