package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// goClient connects a Go client to the broker at addr, resolved through
// the address book in config, until the test ends.
func goClient(t *testing.T, addr, config, name string) *teomq.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, addr, teomq.WithName(name), teomq.WithConfigDir(config), teomq.WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recv waits for one value from ch, for at most 10 s.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// against runs CLI subcommands against the broker at addr, with its
// config dir.
type against struct {
	t            *testing.T
	addr, config string
}

// run runs the words of a subcommand (such as "groups", "rm"), the
// connection flags, then args, and returns stdout and the error.
func (a against) run(words []string, args ...string) (string, error) {
	a.t.Helper()
	all := append(append(append([]string{}, words...), "-config", a.config, "-broker", a.addr), args...)
	out, _, err := cli(a.t, "", all...)
	return out, err
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func echo(_ context.Context, m *teomq.Message) ([]byte, error) { return m.Data, nil }

// The verbs' command lines: help, unknown verbs and wrong arguments are
// usage errors that say what is expected, before any connection.
func TestOperatorCommandLines(t *testing.T) {
	tests := []struct {
		args []string
		want error
		text string // in the error or the output
	}{
		{[]string{"dlq"}, errUsage, "missing verb"},
		{[]string{"dlq", "nope"}, errUsage, `unknown verb "nope"`},
		{[]string{"dlq", "-h"}, flag.ErrHelp, "purge"},
		{[]string{"help", "groups"}, flag.ErrHelp, "rm"},
		{[]string{"dlq", "show", "-broker", "x", "jobs"}, errUsage, "COMMAND ID"},
		{[]string{"groups", "rm", "-broker", "x", "jobs"}, errUsage, "COMMAND GROUP"},
		{[]string{"queue", "purge", "-broker", "x"}, errUsage, "COMMAND"},
		{[]string{"queue", "purge", "-broker", "x", "jobs"}, errNotConfirmed, "-yes"},
		{[]string{"stat", "-broker", "x", "extra"}, errUsage, "extra"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, err := cli(t, "", tc.args...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			all := out + errOut
			if err != nil {
				all += err.Error()
			}
			if !strings.Contains(all, tc.text) {
				t.Fatalf("output and error %q lack %q", all, tc.text)
			}
		})
	}
}
