package main

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/loadgen"
)

// benchColumns are the columns of the table "teomq bench" prints.
var benchColumns = []string{"label", "mode", "clients", "consumers", "size", "msgs", "elapsed", "msgs/s", "min", "p50", "p90", "p99", "p99.9", "max"}

// benchGapColumns are the last columns of a consume table: its figures
// are the gaps between a consumer's messages.
var benchGapColumns = []string{"gap-min", "gap-p50", "gap-p90", "gap-p99", "gap-p99.9", "gap-max"}

// parseBenchTable finds the result table in out and returns its one row
// by column name, checking that every figure parses. The figures of a
// consume table, headed gap-min ... gap-max, are returned as min ... max.
func parseBenchTable(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	consume := append(slices.Clone(benchColumns[:8]), benchGapColumns...)
	at := slices.IndexFunc(lines, func(l string) bool {
		f := strings.Fields(l)
		return slices.Equal(f, benchColumns) || slices.Equal(f, consume)
	})
	if at < 0 || at+2 != len(lines) {
		t.Fatalf("output has no header %q followed by one row:\n%s", benchColumns, out)
	}
	if isConsume := slices.Equal(strings.Fields(lines[at]), consume); isConsume != strings.Contains(out, "bench consume") {
		t.Errorf("header %q: a consume run, and only one, heads its figures gap-min ... gap-max", lines[at])
	}
	fields := strings.Fields(lines[at+1])
	if n := len(fields) - len(benchColumns); n > 0 { // the label may hold spaces
		fields = append([]string{strings.Join(fields[:n+1], " ")}, fields[n+1:]...)
	}
	if len(fields) != len(benchColumns) {
		t.Fatalf("row %q does not match the header %q", fields, benchColumns)
	}
	row := make(map[string]string, len(fields))
	for i, name := range benchColumns {
		row[name] = fields[i]
	}
	for _, name := range benchColumns[2:6] {
		if _, err := strconv.Atoi(row[name]); err != nil {
			t.Errorf("%s = %q, want an integer", name, row[name])
		}
	}
	if v, err := strconv.ParseFloat(row["msgs/s"], 64); err != nil || v <= 0 {
		t.Errorf("msgs/s = %q, want a positive number", row["msgs/s"])
	}
	for _, name := range []string{"elapsed", "min", "p50", "p90", "p99", "p99.9", "max"} {
		if d, err := time.ParseDuration(row[name]); err != nil || d <= 0 {
			t.Errorf("%s = %q, want a positive duration", name, row[name])
		}
	}
	return row
}

func TestBenchRunsEveryMode(t *testing.T) {
	tests := []struct {
		name string
		args []string
		who  string // in the description
		want map[string]string
	}{
		{"request", []string{"request", "-clients", "3", "-consumers", "2", "-msgs", "200", "-durability", "memory"},
			"3 clients, 2 responders",
			map[string]string{"label": "teomq memory", "mode": "request", "clients": "3", "consumers": "2", "msgs": "200", "size": "128"}},
		{"request by one client", []string{"request", "-msgs", "50", "-durability", "memory"},
			"1 client, 1 responder",
			map[string]string{"label": "teomq memory", "mode": "request", "clients": "1", "consumers": "1", "msgs": "50"}},
		{"send", []string{"send", "-clients", "4", "-msgs", "200", "-size", "64"},
			"4 producers",
			map[string]string{"label": "teomq sync", "mode": "send", "clients": "4", "consumers": "0", "msgs": "200", "size": "64"}},
		{"consume with flags before the mode", []string{"-consumers", "2", "-msgs", "300", "-durability", "interval", "consume"},
			"2 consumers",
			map[string]string{"label": "teomq interval", "mode": "consume", "clients": "0", "consumers": "2", "msgs": "300"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := cli(t, "", append([]string{"bench"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out, "teomq bench "+tt.want["mode"]+": "+tt.who+", ") {
				t.Errorf("output starts %q, want the run's description with %q", strings.SplitN(out, "\n", 2)[0], tt.who)
			}
			row := parseBenchTable(t, out)
			for k, v := range tt.want {
				if row[k] != v {
					t.Errorf("%s = %q, want %q", k, row[k], v)
				}
			}
		})
	}
}

func TestBenchWritesCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	_, stderr, err := cli(t, "", "bench", "request", "-msgs", "100", "-durability", "memory", "-csv", path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("stderr is not a terminal, yet it got a progress bar: %q", stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !slices.Equal(recs[0], loadgen.CSVHeader) {
		t.Fatalf("CSV = %q, want the header and one row", recs)
	}
	for i, v := range recs[1][2:] {
		if x, err := strconv.ParseFloat(v, 64); err != nil || x < 0 {
			t.Errorf("%s = %q, want a number", recs[0][2+i], v)
		}
	}
	if recs[1][slices.Index(loadgen.CSVHeader, "msgs")] != "100" {
		t.Errorf("CSV row %q: want 100 msgs", recs[1])
	}
}

func TestBenchAgainstRunningBroker(t *testing.T) {
	addr, config := cliBroker(t)
	out, _, err := cli(t, "", "bench", "request", "-broker", addr, "-config", config, "-clients", "2", "-msgs", "100")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.SplitN(out, "\n", 2)[0], "broker "+addr) {
		t.Errorf("description %q does not name the broker", strings.SplitN(out, "\n", 2)[0])
	}
	if row := parseBenchTable(t, out); row["label"] != "teomq" || row["msgs"] != "100" {
		t.Errorf("label %q msgs %q, want teomq and 100", row["label"], row["msgs"])
	}
}

func TestBenchRejectsBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no mode", nil},
		{"unknown mode", []string{"publish"}},
		{"zero clients", []string{"send", "-clients", "0"}},
		{"negative size", []string{"send", "-size", "-1"}},
		{"two modes", []string{"send", "-msgs", "1", "request"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := cli(t, "", append([]string{"bench"}, tt.args...)...)
			if !errors.Is(err, errUsage) {
				t.Fatalf("bench %q = %v, want a usage error", tt.args, err)
			}
		})
	}
	if _, _, err := cli(t, "", "bench", "send", "-durability", "fast"); err == nil {
		t.Error("bench -durability fast succeeded, want an error")
	}
}

// Ctrl+C during a run prints what was measured until then, and bench
// exits with status 130.
func TestBenchInterruptedPrintsThePartialResult(t *testing.T) {
	addr, config, log := cliBrokerLog(t, "-log-messages")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &syncBuffer{}},
			[]string{"bench", "send", "-broker", addr, "-config", config, "-msgs", "10000000", "-duration", "1m"})
	}()
	// The broker logs each message it stores: interrupt once some are in.
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(log.String(), "msg=message") < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the bench stored fewer than 20 messages in 20s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("bench did not stop after the interrupt")
	}
	if !errors.Is(err, errInterrupted) || exitCode(err) != 130 {
		t.Fatalf("bench = %v (exit %d), want errInterrupted, exit 130", err, exitCode(err))
	}
	if !strings.Contains(out.String(), "Interrupted after ") {
		t.Errorf("output does not say the run was interrupted:\n%s", out.String())
	}
	row := parseBenchTable(t, out.String()[strings.Index(out.String(), "\n")+1:])
	if n, _ := strconv.Atoi(row["msgs"]); n < 1 || n >= 10000000 {
		t.Errorf("partial result of %s msgs, want some but not all", row["msgs"])
	}
}
