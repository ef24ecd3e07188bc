package main

import (
	"context"
	"fmt"

	"github.com/teonet-go/teomq"
)

const groupsAbout = `Lists the consumer groups of commands and deletes durable ones. Every group
of a command gets its own copy of each message; a durable group keeps its
copies while no consumer is connected, so one whose consumers are gone for
good holds its command's queue until it is deleted. "default" names the
default group.`

// runGroups runs "teomq groups ls|rm".
func runGroups(ctx context.Context, e *env, args []string) error {
	return runActions(ctx, e, "groups", groupsAbout, []action{
		{name: "ls", synopsis: "[COMMAND]", args: [2]int{0, 1}, run: groupsList,
			about: "Lists the groups of COMMAND (default: of every command) with their consumers:\naddress, credit and messages outstanding."},
		{name: "rm", synopsis: "COMMAND GROUP", args: [2]int{2, 2}, run: groupsRemove,
			confirm: func(args []string) string {
				return fmt.Sprintf("Delete group %s of %s and drop the messages it holds?", args[1], args[0])
			},
			about: "Deletes durable GROUP of COMMAND, which must have no consumers: the messages it\nholds are acked for it. Needs -yes when standard input is not a terminal."},
	}, args)
}

// groupRow is one group as "groups ls -json" prints it.
type groupRow struct {
	Command string `json:"command"`
	teomq.GroupInfo
}

func groupsList(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	ctx, cancel := f.call(ctx)
	defer cancel()
	list, err := c.Commands(ctx)
	if err != nil {
		return fmt.Errorf("groups ls: %w", err)
	}
	rows := []groupRow{}
	for _, ci := range list.Commands {
		if len(args) == 1 && ci.Name != args[0] {
			continue
		}
		for _, g := range ci.Groups {
			rows = append(rows, groupRow{Command: ci.Name, GroupInfo: g})
		}
	}
	if len(args) == 1 && len(rows) == 0 {
		return fmt.Errorf("groups ls %s: %w: no such command", args[0], teomq.ErrNotFound)
	}
	if f.json {
		return printJSON(e.stdout, rows)
	}
	tw := newTable(e.stdout)
	fmt.Fprintln(tw, "COMMAND\tGROUP\tKIND\tPENDING\tIN FLIGHT\tDEAD\tCONSUMERS")
	for _, r := range rows {
		kind := "durable"
		if !r.Durable {
			kind = "ephemeral"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", r.Command, groupLabel(r.Name), kind, r.Pending, r.InFlight, r.DeadLetters, len(r.Consumers))
		for _, cs := range r.Consumers {
			fmt.Fprintf(tw, "\t  %s\tcredit %d\toutstanding %d\t\t\t\n", cs.Address, cs.Credit, cs.Outstanding)
		}
	}
	return tw.Flush()
}

func groupsRemove(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	ctx, cancel := f.call(ctx)
	defer cancel()
	n, err := c.DeleteGroup(ctx, args[0], groupArg(args[1]))
	if err != nil {
		return fmt.Errorf("groups rm %s %s: %w", args[0], args[1], err)
	}
	if f.json {
		return printJSON(e.stdout, map[string]int{"acked": n})
	}
	_, err = fmt.Fprintf(e.stdout, "deleted group %s of %s; acked the %d messages it held\n", args[1], args[0], n)
	return err
}
