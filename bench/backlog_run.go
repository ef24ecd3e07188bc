package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// backlogHeader is the backlog table's header.
var backlogHeader = []string{"round", "system", "fill", "RSS stopped", "restart to first delivery", "RSS growth", "drain"}

// backlogRound is one round of the backlog comparison: both sides.
type backlogRound struct {
	teomq, jetStream backlogResult
}

// runBacklogComparison fills, restarts and measures each side rounds
// times, alternating teomq and JetStream (teomq first in odd rounds,
// JetStream first in even ones), and prints the table on stdout;
// progress goes to log.
func runBacklogComparison(ctx context.Context, n, rounds int, stdout, log io.Writer) error {
	results := make([]backlogRound, 0, rounds)
	for round := 1; round <= rounds; round++ {
		var r backlogRound
		sides := []struct {
			open func() (backlogSide, error)
			res  *backlogResult
		}{
			{func() (backlogSide, error) { return newTeomqBacklog() }, &r.teomq},
			{func() (backlogSide, error) { return newJetStreamBacklog() }, &r.jetStream},
		}
		if round%2 == 0 { // the first side of a run also pays the process's one-time costs
			sides[0], sides[1] = sides[1], sides[0]
		}
		for _, s := range sides {
			side, err := s.open()
			if err != nil {
				return err
			}
			fmt.Fprintf(log, "backlog %d, round %d: %s\n", n, round, side.name())
			if *s.res, err = measureBacklog(ctx, side, n); err != nil {
				return err
			}
		}
		results = append(results, r)
	}
	fmt.Fprintf(stdout, "%d pending %d B messages, no consumer while filled; restart on the same data\n", n, backlogPayload)
	fmt.Fprintf(stdout, "teomq: %s\nJetStream: %s\n\n", (&teomqBacklog{}).name(), (&jetStreamBacklog{}).name())
	return writeBacklogTable(stdout, results)
}

// writeBacklogTable prints each round's figures and its ratios
// teomq/JetStream.
func writeBacklogTable(w io.Writer, results []backlogRound) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, h := range backlogHeader {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, h)
	}
	fmt.Fprintln(tw)
	for i, r := range results {
		round := fmt.Sprint(i + 1)
		writeBacklogRow(tw, round, "teomq", r.teomq)
		writeBacklogRow(tw, round, "JetStream", r.jetStream)
		fmt.Fprintf(tw, "%s\tteomq/JetStream\t%s\t%s\t%s\t%s\t%s\n", round,
			ratio(r.teomq.fill.Seconds(), r.jetStream.fill.Seconds()),
			ratio(float64(r.teomq.rssStopped), float64(r.jetStream.rssStopped)),
			ratio(r.teomq.first.Seconds(), r.jetStream.first.Seconds()),
			growthRatio(r.teomq.rssGrowth, r.jetStream.rssGrowth),
			ratio(r.teomq.drainRate, r.jetStream.drainRate))
	}
	return tw.Flush()
}

func writeBacklogRow(w io.Writer, round, system string, r backlogResult) {
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%.0f msgs/s\n", round, system,
		r.fill.Round(time.Millisecond), megabytes(r.rssStopped),
		r.first.Round(time.Millisecond), megabytes(r.rssGrowth), r.drainRate)
}

// megabytes formats bytes in MB.
func megabytes(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// growthRatio is ratio for RSS growths: "-" unless both grew, since a
// ratio to noise around zero says nothing.
func growthRatio(a, b int64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return ratio(float64(a), float64(b))
}
