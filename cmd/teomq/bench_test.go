package main

import (
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

// parseBenchTable finds the result table in out and returns its one row
// by column name, checking that every figure parses.
func parseBenchTable(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return slices.Equal(strings.Fields(l), benchColumns) })
	if at < 0 || at+2 != len(lines) {
		t.Fatalf("output has no header %q followed by one row:\n%s", benchColumns, out)
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
		want map[string]string
	}{
		{"request", []string{"request", "-clients", "3", "-consumers", "2", "-msgs", "200", "-durability", "memory"},
			map[string]string{"label": "teomq memory", "mode": "request", "clients": "3", "consumers": "2", "msgs": "200", "size": "128"}},
		{"send", []string{"send", "-clients", "4", "-msgs", "200", "-size", "64"},
			map[string]string{"label": "teomq sync", "mode": "send", "clients": "4", "consumers": "0", "msgs": "200", "size": "64"}},
		{"consume with flags before the mode", []string{"-consumers", "2", "-msgs", "300", "-durability", "interval", "consume"},
			map[string]string{"label": "teomq interval", "mode": "consume", "clients": "0", "consumers": "2", "msgs": "300"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := cli(t, "", append([]string{"bench"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out, "teomq bench "+tt.want["mode"]+": ") {
				t.Errorf("output starts %q, want the run's description", strings.SplitN(out, "\n", 2)[0])
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
