package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

const statAbout = `Prints the broker's counts and one table of its commands: messages pending,
in flight and dead-lettered, subscribers and groups (with their consumer
counts). With -w it refreshes in place every -interval, like top, and adds
the publish and answer rates between refreshes. A durable group without
consumers that holds messages is pointed out: it keeps its copies until
"teomq groups rm" deletes it. -json prints one JSON object per refresh.`

// statSample is what one refresh of "teomq stat" shows; -json prints it.
type statSample struct {
	Time     time.Time           `json:"time"`
	Broker   teomq.Stats         `json:"broker"`
	Total    int                 `json:"total_commands"`
	Commands []teomq.CommandInfo `json:"commands"`
}

// runStat prints the broker's state once, or every -interval with -w.
func runStat(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "stat", "-broker ADDRESS [flags]", statAbout)
	var (
		f        operatorFlags
		watch    bool
		interval time.Duration
		count    int
	)
	f.register(fs, "stat")
	fs.BoolVar(&watch, "w", false, "refresh every -interval until interrupted, with rates")
	fs.DurationVar(&interval, "interval", time.Second, "time between refreshes with -w")
	fs.IntVar(&count, "n", 0, "with -w, stop after N refreshes (0: until interrupted)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if interval <= 0 {
		return fmt.Errorf("%w: -interval must be positive", errUsage)
	}
	c, err := f.dial(ctx, e)
	if err != nil {
		return err
	}
	defer c.Close()
	inPlace := watch && !f.json && loadgen.IsTerminal(e.stdout)
	var prev *statSample
	for n := 1; ; n++ {
		s, err := sampleStat(ctx, c, &f)
		if err != nil {
			return err
		}
		switch {
		case f.json && watch:
			err = json.NewEncoder(e.stdout).Encode(s) // one object per line
		case f.json:
			err = printJSON(e.stdout, s)
		default:
			if inPlace {
				fmt.Fprint(e.stdout, "\x1b[H\x1b[2J") // home, clear: redraw like top
			} else if prev != nil {
				fmt.Fprintln(e.stdout)
			}
			err = renderStat(e.stdout, s, prev, watch)
		}
		if err != nil || !watch || (count > 0 && n >= count) {
			return err
		}
		prev = s
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// sampleStat asks the broker for its counts and commands.
func sampleStat(ctx context.Context, c *teomq.Client, f *operatorFlags) (*statSample, error) {
	ctx, cancel := f.call(ctx)
	defer cancel()
	st, err := c.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	list, err := c.Commands(ctx)
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	return &statSample{Time: time.Now(), Broker: st, Total: list.Total, Commands: list.Commands}, nil
}

// renderStat prints one refresh; rates come from prev, when there is one.
func renderStat(w io.Writer, s, prev *statSample, rates bool) error {
	b := s.Broker
	fmt.Fprintf(w, "%s  connections %d  commands %d  groups %d  subscribers %d  pending %d  in flight %d  dead %d  mailbox %d\n\n",
		s.Time.Format("15:04:05"), b.Connections, b.Commands, b.Groups, b.Subscribers, b.Pending, b.InFlight, b.DeadLetters, b.Mailbox)
	tw := newTable(w)
	head := "COMMAND\tPENDING\tIN FLIGHT\tDEAD\tSUBS"
	if rates {
		head += "\tPUB/S\tANS/S"
	}
	fmt.Fprintln(tw, head+"\tGROUPS")
	var notes []string
	for _, ci := range s.Commands {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d", ci.Name, ci.Pending, ci.InFlight, ci.DeadLetters, ci.Subscribers)
		if rates {
			old := prevCommand(prev, ci.Name)
			fmt.Fprintf(tw, "\t%s\t%s", rate(s, prev, old, ci, func(c *teomq.CommandInfo) uint64 { return c.Published }),
				rate(s, prev, old, ci, func(c *teomq.CommandInfo) uint64 { return c.Answered }))
		}
		var groups []string
		for _, g := range ci.Groups {
			groups = append(groups, fmt.Sprintf("%s(%d)", groupLabel(g.Name), len(g.Consumers)))
			if g.Durable && len(g.Consumers) == 0 && g.Pending+g.DeadLetters > 0 {
				notes = append(notes, fmt.Sprintf("group %s of %s has no consumer and holds %d messages; delete it with: teomq groups rm %s %s",
					groupLabel(g.Name), ci.Name, g.Pending+g.DeadLetters, ci.Name, groupLabel(g.Name)))
			}
		}
		fmt.Fprintf(tw, "\t%s\n", strings.Join(groups, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Commands) < s.Total {
		fmt.Fprintf(w, "(the first %d of %d commands)\n", len(s.Commands), s.Total)
	}
	for _, n := range notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// prevCommand finds command name in the previous refresh, nil if absent.
func prevCommand(prev *statSample, name string) *teomq.CommandInfo {
	if prev == nil {
		return nil
	}
	for i := range prev.Commands {
		if prev.Commands[i].Name == name {
			return &prev.Commands[i]
		}
	}
	return nil
}

// rate formats a counter's change per second since the previous refresh:
// "-" without one, or when the counter went back (the broker restarted or
// forgot the command).
func rate(s, prev *statSample, old *teomq.CommandInfo, cur teomq.CommandInfo, counter func(*teomq.CommandInfo) uint64) string {
	if old == nil {
		return "-"
	}
	dt := s.Time.Sub(prev.Time).Seconds()
	a, b := counter(old), counter(&cur)
	if dt <= 0 || b < a {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b-a)/dt)
}
