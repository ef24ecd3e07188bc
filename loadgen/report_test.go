package loadgen_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/loadgen"
)

func sampleResult() loadgen.Result {
	var h loadgen.Histogram
	for i := range 1000 {
		h.Record(time.Duration(10+i) * time.Microsecond)
	}
	return loadgen.Result{
		Mode: loadgen.ModeRequest, Label: "teomq sync", Clients: 64, Consumers: 2, Size: 128,
		Msgs: 1000, Elapsed: 20 * time.Millisecond, Throughput: 50000, Hist: &h,
	}
}

func TestWriteTableParses(t *testing.T) {
	var buf bytes.Buffer
	if err := loadgen.WriteTable(&buf, sampleResult(), sampleResult()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want a header and 2 rows:\n%s", len(lines), buf.String())
	}
	header := strings.Fields(lines[0])
	want := []string{"label", "mode", "clients", "consumers", "size", "msgs", "elapsed", "msgs/s", "min", "p50", "p90", "p99", "p99.9", "max"}
	if !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	row := strings.Fields(lines[1])
	row = append([]string{row[0] + " " + row[1]}, row[2:]...) // the label has a space
	if len(row) != len(header) {
		t.Fatalf("row %q has %d fields, want %d", row, len(row), len(header))
	}
	if row[0] != "teomq sync" || row[1] != "request" {
		t.Errorf("row starts %q %q, want the label and mode", row[0], row[1])
	}
	for i, name := range header[2:6] {
		if _, err := strconv.Atoi(row[2+i]); err != nil {
			t.Errorf("%s = %q, want an integer", name, row[2+i])
		}
	}
	if v, err := strconv.ParseFloat(row[7], 64); err != nil || v != 50000 {
		t.Errorf("msgs/s = %q, want 50000", row[7])
	}
	var prev time.Duration
	for i, name := range header {
		if name != "elapsed" && i < 8 {
			continue
		}
		d, err := time.ParseDuration(row[i])
		if err != nil {
			t.Errorf("%s = %q: %v", name, row[i], err)
			continue
		}
		if i > 8 && d < prev {
			t.Errorf("%s = %v is below the previous column's %v", name, d, prev)
		}
		prev = d
	}
}

func TestWriteCSVParses(t *testing.T) {
	var buf bytes.Buffer
	if err := loadgen.WriteCSV(&buf, sampleResult()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !slices.Equal(recs[0], loadgen.CSVHeader) {
		t.Fatalf("CSV = %q, want the header and one row", recs)
	}
	for i, v := range recs[1][2:] {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Errorf("%s = %q, want a number", recs[0][2+i], v)
		}
	}
	p50, _ := strconv.ParseFloat(recs[1][slices.Index(loadgen.CSVHeader, "p50_us")], 64)
	if p50 < 509*0.99 || p50 > 509*1.01 {
		t.Errorf("p50_us = %v, want 509 ±1%%", p50)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0ns"},
		{999, "999ns"},
		{31234, "31.2µs"},
		{4049 * time.Microsecond, "4.05ms"},
		{123456 * time.Microsecond, "123ms"},
		{1500 * time.Millisecond, "1.50s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := loadgen.FormatDuration(tt.d)
			if got != tt.want {
				t.Errorf("FormatDuration(%d) = %q, want %q", int64(tt.d), got, tt.want)
			}
			back, err := time.ParseDuration(got)
			if err != nil || !within(back, tt.d, 0.005) {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, tt.d)
			}
		})
	}
}

// A table of consume runs heads its figures as gaps: they are the time
// between a consumer's messages, not latencies.
func TestWriteTableHeadsConsumeGaps(t *testing.T) {
	consume := sampleResult()
	consume.Mode = loadgen.ModeConsume
	tests := []struct {
		name    string
		results []loadgen.Result
		want    []string
	}{
		{"consume", []loadgen.Result{consume}, []string{"gap-min", "gap-p50", "gap-p90", "gap-p99", "gap-p99.9", "gap-max"}},
		{"mixed", []loadgen.Result{consume, sampleResult()}, []string{"min", "p50", "p90", "p99", "p99.9", "max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := loadgen.WriteTable(&buf, tt.results...); err != nil {
				t.Fatal(err)
			}
			header := strings.Fields(strings.SplitN(buf.String(), "\n", 2)[0])
			if got := header[len(header)-len(tt.want):]; !slices.Equal(got, tt.want) {
				t.Errorf("header ends %q, want %q", got, tt.want)
			}
		})
	}
}
