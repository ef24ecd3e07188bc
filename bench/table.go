package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/teonet-go/teomq/loadgen"
)

// tableHeader is the comparison table's columns. Ratios are teomq/NATS:
// above 1 teomq has the higher throughput, below 1 the lower latency.
var tableHeader = []string{
	"row", "load", "teomq", "msgs/s", "p50", "p99",
	"NATS", "msgs/s", "p50", "p99",
	"msgs/s ratio", "p50 ratio", "p99 ratio",
}

// baseHeader is the columns of the table of rows with a base system:
// their teomq side against it. Ratios are teomq/base.
var baseHeader = []string{
	"row", "teomq", "msgs/s", "p50", "p99",
	"base", "msgs/s", "p50", "p99",
	"msgs/s ratio", "p50 ratio", "p99 ratio",
}

// cells returns c's table cells, "-" for what was not run.
func (c comparison) cells() []string {
	out := []string{c.row.id, c.row.describe()}
	out = append(out, sideCells(c.row.teomq, c.teomq)...)
	out = append(out, sideCells(c.row.nats, c.nats)...)
	return append(out, ratioCells(c.teomq, c.nats)...)
}

// baseCells returns the cells of c's teomq side against its base.
func (c comparison) baseCells() []string {
	out := []string{c.row.id}
	out = append(out, sideCells(c.row.teomq, c.teomq)...)
	out = append(out, sideCells(*c.row.base, c.base)...)
	return append(out, ratioCells(c.teomq, c.base)...)
}

// sideCells returns a system's name and guarantees, throughput, p50 and
// p99; "-" for a run that did not happen.
func sideCells(sys system, res *loadgen.Result) []string {
	name := sys.name + " (" + sys.guarantees + ")"
	if res == nil {
		return []string{name, "-", "-", "-"}
	}
	return []string{name, fmt.Sprintf("%.0f", res.Throughput),
		loadgen.FormatDuration(res.Hist.Quantile(0.5)),
		loadgen.FormatDuration(res.Hist.Quantile(0.99))}
}

// ratioCells returns a/b of throughput, p50 and p99.
func ratioCells(a, b *loadgen.Result) []string {
	if a == nil || b == nil {
		return []string{"-", "-", "-"}
	}
	return []string{
		ratio(a.Throughput, b.Throughput),
		ratio(float64(a.Hist.Quantile(0.5)), float64(b.Hist.Quantile(0.5))),
		ratio(float64(a.Hist.Quantile(0.99)), float64(b.Hist.Quantile(0.99))),
	}
}

// withBase returns the comparisons whose row has a base system.
func withBase(comps []comparison) []comparison {
	var out []comparison
	for _, c := range comps {
		if c.row.base != nil {
			out = append(out, c)
		}
	}
	return out
}

// ratio says a/b with two decimals, or two significant digits below 0.1.
func ratio(a, b float64) string {
	switch r := a / b; {
	case b == 0:
		return "-"
	case r < 0.1:
		return fmt.Sprintf("%.2gx", r)
	default:
		return fmt.Sprintf("%.2fx", r)
	}
}

// writeText writes the comparison as an aligned text table, then the
// rows with a base system against it in a second one.
func writeText(w io.Writer, comps []comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
	for _, c := range comps {
		fmt.Fprintln(tw, strings.Join(c.cells(), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	based := withBase(comps)
	if len(based) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(baseHeader, "\t"))
	for _, c := range based {
		fmt.Fprintln(tw, strings.Join(c.baseCells(), "\t"))
	}
	return tw.Flush()
}

// writeMarkdown writes the comparison as a Markdown table, then every
// run's full latency distribution.
func writeMarkdown(w io.Writer, comps []comparison, env string) error {
	fmt.Fprintf(w, "%s\n\n", env)
	fmt.Fprintf(w, "| %s |\n", strings.Join(tableHeader, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat(" --- |", len(tableHeader)))
	for _, c := range comps {
		fmt.Fprintf(w, "| %s |\n", strings.Join(c.cells(), " | "))
	}
	if based := withBase(comps); len(based) > 0 {
		fmt.Fprintf(w, "\n| %s |\n", strings.Join(baseHeader, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat(" --- |", len(baseHeader)))
		for _, c := range based {
			fmt.Fprintf(w, "| %s |\n", strings.Join(c.baseCells(), " | "))
		}
	}
	fmt.Fprint(w, "\nEvery run's latency distribution:\n\n```\n")
	if err := writeDetails(w, comps); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, "```\n")
	return err
}

// writeDetails writes every run's result with the whole distribution.
func writeDetails(w io.Writer, comps []comparison) error {
	var all []loadgen.Result
	for _, c := range comps {
		for _, r := range []*loadgen.Result{c.teomq, c.base, c.nats} {
			if r != nil {
				all = append(all, *r)
			}
		}
	}
	return loadgen.WriteTable(w, all...)
}
