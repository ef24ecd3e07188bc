package main

import (
	"bytes"
	"context"
	"errors"
	"github.com/teonet-go/teomq/loadgen"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cellSep splits a text table line: tabwriter pads cells with 2+ spaces.
var cellSep = regexp.MustCompile(`\s{2,}`)

// tableRows returns the comparison table's lines by row id.
func tableRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	return tableWith(out, tableHeader)
}

// tableWith returns the lines by row id of the table with header's columns.
func tableWith(out string, header []string) map[string][]string {
	got := make(map[string][]string)
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		cells := cellSep.Split(strings.TrimSpace(line), -1)
		switch {
		case len(cells) == len(header) && cells[0] == "row":
			inTable = true
		case inTable && len(cells) == len(header):
			got[cells[0]] = cells
		case inTable:
			return got
		}
	}
	return got
}

func positiveNumber(s string) bool {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	return err == nil && v > 0
}

func positiveDuration(s string) bool {
	d, err := time.ParseDuration(s)
	return err == nil && d > 0
}

// TestSmokeEveryRow runs every row with tiny counts: each must appear in
// the table with positive figures for both systems and their ratios.
func TestSmokeEveryRow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	md := filepath.Join(t.TempDir(), "bench.md")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-scale", "0.002", "-duration", "20s", "-md", md}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	table := tableRows(t, stdout.String())
	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows() {
		cells, ok := table[r.id]
		if !ok {
			t.Errorf("row %s missing from the table:\n%s", r.id, stdout.String())
			continue
		}
		for _, i := range []int{3, 7, 10, 11, 12} { // msgs/s and the ratios
			if !positiveNumber(cells[i]) {
				t.Errorf("row %s: %s = %q, want a positive number", r.id, tableHeader[i], cells[i])
			}
		}
		for _, i := range []int{4, 5, 8, 9} { // p50 and p99
			if !positiveDuration(cells[i]) {
				t.Errorf("row %s: %s = %q, want a positive duration", r.id, tableHeader[i], cells[i])
			}
		}
		if !strings.HasPrefix(cells[2], r.teomq.name+" (") || !strings.HasPrefix(cells[6], r.nats.name+" (") {
			t.Errorf("row %s: systems %q and %q, want %s and %s with their guarantees", r.id, cells[2], cells[6], r.teomq.name, r.nats.name)
		}
		if !strings.Contains(string(mdText), "| "+r.id+" | ") {
			t.Errorf("row %s missing from the Markdown table", r.id)
		}
	}
	checkBaseTable(t, stdout.String(), string(mdText))
}

// checkBaseTable checks that every row with a base system appears in the
// second table with positive figures for its teomq side and its base.
func checkBaseTable(t *testing.T, out, md string) {
	t.Helper()
	table := tableWith(out, baseHeader)
	n := 0
	for _, r := range rows() {
		if r.base == nil {
			if table[r.id] != nil {
				t.Errorf("row %s has no base system but is in the base table", r.id)
			}
			continue
		}
		n++
		cells, ok := table[r.id]
		if !ok {
			t.Errorf("row %s missing from the table against its base:\n%s", r.id, out)
			continue
		}
		for _, i := range []int{2, 6, 9, 10, 11} { // msgs/s and the ratios
			if !positiveNumber(cells[i]) {
				t.Errorf("row %s against its base: %s = %q, want a positive number", r.id, baseHeader[i], cells[i])
			}
		}
		for _, i := range []int{3, 4, 7, 8} { // p50 and p99
			if !positiveDuration(cells[i]) {
				t.Errorf("row %s against its base: %s = %q, want a positive duration", r.id, baseHeader[i], cells[i])
			}
		}
		if !strings.HasPrefix(cells[1], r.teomq.name+" (") || !strings.HasPrefix(cells[5], r.base.name+" (") {
			t.Errorf("row %s against its base: systems %q and %q, want %s and %s", r.id, cells[1], cells[5], r.teomq.name, r.base.name)
		}
		if strings.Count(md, "| "+r.id+" | ") != 2 {
			t.Errorf("row %s: want it in both Markdown tables", r.id)
		}
	}
	if n < 6 {
		t.Errorf("%d rows with a base system, want the 6 cluster rows", n)
	}
}

func TestOnlyAndSideSelect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-scale", "0.001", "-only", "request-1, send-64-default", "-side", "teomq", "-rounds", "3"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, id := range []string{"request-1", "send-64-default"} {
		if n := strings.Count(stderr.String(), id+" "); n != 3 {
			t.Errorf("row %s ran %d times, want 3 (-rounds 3):\n%s", id, n, stderr.String())
		}
	}
	table := tableRows(t, stdout.String())
	if len(table) != 2 || table["request-1"] == nil || table["send-64-default"] == nil {
		t.Fatalf("table rows %v, want request-1 and send-64-default:\n%s", table, stdout.String())
	}
	for id, cells := range table {
		if !positiveNumber(cells[3]) || cells[7] != "-" || cells[10] != "-" {
			t.Errorf("row %s: teomq msgs/s %q, NATS msgs/s %q, ratio %q: want a teomq figure and no NATS run",
				id, cells[3], cells[7], cells[10])
		}
	}
}

func TestBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		is   error
	}{
		{"unknown row", []string{"-only", "request-2"}, errUnknownRow},
		{"zero scale", []string{"-scale", "0"}, nil},
		{"zero rounds", []string{"-rounds", "0"}, nil},
		{"unknown side", []string{"-side", "kafka"}, nil},
		{"stray argument", []string{"now"}, nil},
		{"negative backlog", []string{"-backlog", "-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("run(%q) = %v, want an error (%v)", tt.args, err, tt.is)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q) printed %q before failing", tt.args, stdout.String())
			}
		})
	}
}

func TestMedianRun(t *testing.T) {
	runs := []*loadgen.Result{{Throughput: 30}, {Throughput: 10}, {Throughput: 20}, {Throughput: 40}}
	if got := medianRun(runs[:3]); got != runs[2] {
		t.Errorf("median of 30, 10, 20 msgs/s: got the run of %v", got.Throughput)
	}
	if got := medianRun(runs); got != runs[2] {
		t.Errorf("median of 30, 10, 20, 40 msgs/s: got the run of %v, want the lower middle (20)", got.Throughput)
	}
	if got := medianRun(nil); got != nil {
		t.Errorf("median of no runs: %v, want nil", got)
	}
}

// TestRowSizeOverridesFlag runs a payload-sweep row: it sends its own
// payload size whatever -size says, and the table says which.
func TestRowSizeOverridesFlag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-scale", "0.001", "-only", "request-16-memory-1k,request-1", "-side", "teomq", "-size", "16"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	sizes := make(map[string]string) // clients -> payload bytes, from the details table
	for _, line := range strings.Split(stdout.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 6 && f[0] == "teomq" && f[2] == "request" {
			sizes[f[3]] = f[5]
		}
	}
	if sizes["16"] != "1024" || sizes["1"] != "16" {
		t.Errorf("payload sizes by client count %v, want 1024 B for the 16-client 1 KiB row and -size's 16 B for request-1:\n%s", sizes, stdout.String())
	}
	if cells := tableRows(t, stdout.String())["request-16-memory-1k"]; cells == nil || !strings.Contains(cells[1], "1 KiB") {
		t.Errorf("request-16-memory-1k's load %q does not name its 1 KiB payload", cells)
	}
}

// TestClusterRowAlternatesThreeSystems runs a cluster row for two rounds:
// each round runs the brokers, the single broker and JetStream R3 in turn,
// and -side nats runs JetStream R3 alone.
func TestClusterRowAlternatesThreeSystems(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-scale", "0.001", "-only", "cluster-send-64-b2", "-rounds", "2"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	var ran []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := cellSep.Split(strings.TrimSpace(line), -1); len(f) > 2 && f[0] == "cluster-send-64-b2" {
			ran = append(ran, f[1])
		}
	}
	want := []string{"teomq cluster 2 brokers", "teomq sync", "JetStream R3", "teomq cluster 2 brokers", "teomq sync", "JetStream R3"}
	if !slices.Equal(ran, want) {
		t.Errorf("runs %q, want %q", ran, want)
	}

	stdout.Reset()
	stderr.Reset()
	if err := run(ctx, []string{"-scale", "0.001", "-only", "cluster-send-64-b2", "-side", "nats"}, &stdout, &stderr); err != nil {
		t.Fatalf("run -side nats: %v\nstderr:\n%s", err, stderr.String())
	}
	if n := strings.Count(stderr.String(), "cluster-send-64-b2 "); n != 1 || !strings.Contains(stderr.String(), "JetStream R3") {
		t.Errorf("-side nats ran %d times, want JetStream R3 once:\n%s", n, stderr.String())
	}
	if cells := tableWith(stdout.String(), baseHeader)["cluster-send-64-b2"]; cells == nil || cells[2] != "-" || cells[6] != "-" {
		t.Errorf("-side nats: base table row %q, want no teomq and no base figures", cells)
	}
}
