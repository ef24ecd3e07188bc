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

// cells returns c's table cells, "-" for what was not run.
func (c comparison) cells() []string {
	out := []string{c.row.id, c.row.describe()}
	for _, side := range []struct {
		sys system
		res *loadgen.Result
	}{{c.row.teomq, c.teomq}, {c.row.nats, c.nats}} {
		out = append(out, side.sys.name+" ("+side.sys.guarantees+")")
		if side.res == nil {
			out = append(out, "-", "-", "-")
			continue
		}
		out = append(out, fmt.Sprintf("%.0f", side.res.Throughput),
			loadgen.FormatDuration(side.res.Hist.Quantile(0.5)),
			loadgen.FormatDuration(side.res.Hist.Quantile(0.99)))
	}
	if c.teomq == nil || c.nats == nil {
		return append(out, "-", "-", "-")
	}
	return append(out,
		ratio(c.teomq.Throughput, c.nats.Throughput),
		ratio(float64(c.teomq.Hist.Quantile(0.5)), float64(c.nats.Hist.Quantile(0.5))),
		ratio(float64(c.teomq.Hist.Quantile(0.99)), float64(c.nats.Hist.Quantile(0.99))))
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// writeText writes the comparison as an aligned text table.
func writeText(w io.Writer, comps []comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
	for _, c := range comps {
		fmt.Fprintln(tw, strings.Join(c.cells(), "\t"))
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
		for _, r := range []*loadgen.Result{c.teomq, c.nats} {
			if r != nil {
				all = append(all, *r)
			}
		}
	}
	return loadgen.WriteTable(w, all...)
}
