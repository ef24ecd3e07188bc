package loadgen

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// reportQuantiles are the latency quantiles WriteTable and WriteCSV show
// between the minimum and the maximum.
var reportQuantiles = []struct {
	name string
	q    float64
}{
	{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999},
}

// WriteTable writes results as an aligned text table, one row each:
// throughput and latency min, p50, p90, p99, p99.9 and max. When every
// result is of ModeConsume, whose figures are the gaps between a
// consumer's messages rather than latencies, the columns are headed
// gap-min, gap-p50, ... gap-max.
func WriteTable(w io.Writer, results ...Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	prefix := ""
	if len(results) > 0 && !slices.ContainsFunc(results, func(r Result) bool { return r.Mode != ModeConsume }) {
		prefix = "gap-"
	}
	fmt.Fprint(tw, "label\tmode\tclients\tconsumers\tsize\tmsgs\telapsed\tmsgs/s\t", prefix, "min")
	for _, q := range reportQuantiles {
		fmt.Fprint(tw, "\t", prefix, q.name)
	}
	fmt.Fprint(tw, "\t", prefix, "max\t\n")
	for _, r := range results {
		label := r.Label
		if label == "" {
			label = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%.0f\t%s", label, r.Mode, r.Clients, r.Consumers,
			r.Size, r.Msgs, FormatDuration(r.Elapsed), r.Throughput, FormatDuration(r.Hist.Min()))
		for _, q := range reportQuantiles {
			fmt.Fprint(tw, "\t", FormatDuration(r.Hist.Quantile(q.q)))
		}
		fmt.Fprintf(tw, "\t%s\t\n", FormatDuration(r.Hist.Max()))
	}
	return tw.Flush()
}

// CSVHeader is the header row WriteCSV writes. Durations are in
// microseconds, elapsed time in seconds.
var CSVHeader = []string{
	"label", "mode", "clients", "consumers", "size", "msgs", "elapsed_s", "msgs_per_s",
	"min_us", "p50_us", "p90_us", "p99_us", "p99.9_us", "max_us", "mean_us",
}

// WriteCSV writes a header row (CSVHeader) and one row per result.
func WriteCSV(w io.Writer, results ...Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		row := []string{
			r.Label, string(r.Mode), strconv.Itoa(r.Clients), strconv.Itoa(r.Consumers),
			strconv.Itoa(r.Size), strconv.Itoa(r.Msgs),
			strconv.FormatFloat(r.Elapsed.Seconds(), 'f', 3, 64),
			strconv.FormatFloat(r.Throughput, 'f', 1, 64),
			micros(r.Hist.Min()),
		}
		for _, q := range reportQuantiles {
			row = append(row, micros(r.Hist.Quantile(q.q)))
		}
		row = append(row, micros(r.Hist.Max()), micros(r.Hist.Mean()))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func micros(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 1, 64)
}

// FormatDuration formats d with three significant digits in ns, µs, ms or
// s, in a form time.ParseDuration reads back: "31.2µs", "4.05ms".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	}
	return sig3(d.Seconds()) + "s"
}

// sig3 formats v (at least 1) with three significant digits.
func sig3(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
