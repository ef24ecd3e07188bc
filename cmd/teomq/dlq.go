package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/teonet-go/teomq"
)

const dlqAbout = `Lists, shows, replays and purges the dead letters of COMMAND: messages
delivered the broker's -max-deliveries times without an answer. They stay
stored until replayed (and answered) or purged.`

// runDLQ runs "teomq dlq ls|show|replay|purge".
func runDLQ(ctx context.Context, e *env, args []string) error {
	return runActions(ctx, e, "dlq", dlqAbout, []action{
		{name: "ls", synopsis: "COMMAND", args: [2]int{1, 1}, run: dlqList,
			about: "Lists the oldest dead letters of COMMAND (at most 1000): ID, group, attempts,\nsize, producer and the reason of the handler's last retry."},
		{name: "show", synopsis: "COMMAND ID", args: [2]int{2, 2}, run: dlqShow,
			about: "Shows one dead letter of COMMAND with its data."},
		{name: "replay", synopsis: "COMMAND [ID...]", args: [2]int{1, -1}, run: dlqReplay,
			confirm: func(args []string) string {
				if len(args) > 1 {
					return "" // replaying named messages needs no confirmation
				}
				return fmt.Sprintf("Replay every dead letter of %s?", args[0])
			},
			about: "Moves the dead letters with the given IDs, or all of them, back to the head\nof their group's queue with their delivery count reset. Replaying all needs\n-yes when standard input is not a terminal."},
		{name: "purge", synopsis: "COMMAND", args: [2]int{1, 1}, run: dlqPurge,
			confirm: func(args []string) string { return fmt.Sprintf("Delete every dead letter of %s?", args[0]) },
			about:   "Deletes every dead letter of COMMAND. Needs -yes when standard input is not a terminal."},
	}, args)
}

func dlqList(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	ctx, cancel := f.call(ctx)
	defer cancel()
	list, err := c.DeadLetters(ctx, args[0])
	if err != nil {
		return fmt.Errorf("dlq ls %s: %w", args[0], err)
	}
	if f.json {
		return printJSON(e.stdout, list)
	}
	tw := newTable(e.stdout)
	fmt.Fprintln(tw, "ID\tGROUP\tATTEMPTS\tSIZE\tFROM\tLAST ERROR")
	for _, d := range list.Letters {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, groupLabel(d.Group), d.Attempts, d.Size, d.From, d.LastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(list.Letters) < list.Total {
		fmt.Fprintf(e.stdout, "(the oldest %d of %d dead letters)\n", len(list.Letters), list.Total)
	}
	return nil
}

func dlqShow(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	id, err := uuid.Parse(args[1])
	if err != nil {
		return fmt.Errorf("%w: dlq show: ID %q: %w", errUsage, args[1], err)
	}
	ctx, cancel := f.call(ctx)
	defer cancel()
	d, err := c.DeadLetter(ctx, args[0], id)
	if err != nil {
		return fmt.Errorf("dlq show %s %s: %w", args[0], id, err)
	}
	if f.json {
		return printJSON(e.stdout, d)
	}
	tw := newTable(e.stdout)
	fmt.Fprintf(tw, "id:\t%s\n", d.ID)
	fmt.Fprintf(tw, "group:\t%s\n", groupLabel(d.Group))
	fmt.Fprintf(tw, "attempts:\t%d\n", d.Attempts)
	fmt.Fprintf(tw, "last error:\t%s\n", d.LastError)
	fmt.Fprintf(tw, "from:\t%s\n", d.From)
	fmt.Fprintf(tw, "request:\t%v\n", d.Request)
	fmt.Fprintf(tw, "size:\t%d bytes\n", d.Size)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	if printable(d.Data) {
		fmt.Fprintf(e.stdout, "%s\n", d.Data)
	} else {
		fmt.Fprint(e.stdout, hex.Dump(d.Data))
	}
	return nil
}

// printable reports whether data reads as text on a terminal.
func printable(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func dlqReplay(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	var ids []teomq.MessageID
	for _, s := range args[1:] {
		id, err := uuid.Parse(s)
		if err != nil {
			return fmt.Errorf("%w: dlq replay: ID %q: %w", errUsage, s, err)
		}
		ids = append(ids, id)
	}
	ctx, cancel := f.call(ctx)
	defer cancel()
	n, err := c.Replay(ctx, args[0], ids...)
	if err != nil {
		return fmt.Errorf("dlq replay %s: %w", args[0], err)
	}
	return printCount(e, f, "replayed", n, "dead letters of "+args[0])
}

func dlqPurge(ctx context.Context, e *env, c *teomq.Client, f *operatorFlags, args []string) error {
	ctx, cancel := f.call(ctx)
	defer cancel()
	n, err := c.PurgeDeadLetters(ctx, args[0])
	if err != nil {
		return fmt.Errorf("dlq purge %s: %w", args[0], err)
	}
	return printCount(e, f, "purged", n, "dead letters of "+args[0])
}

// printCount reports what a destructive action did: "VERB N WHAT", or
// {"VERB": N} with -json.
func printCount(e *env, f *operatorFlags, verb string, n int, what string) error {
	if f.json {
		return printJSON(e.stdout, map[string]int{verb: n})
	}
	_, err := fmt.Fprintf(e.stdout, "%s %d %s\n", verb, n, what)
	return err
}
