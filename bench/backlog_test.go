package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// backlogRows returns the backlog table's lines keyed by round and system.
func backlogRows(out string) map[string][]string {
	got := make(map[string][]string)
	inTable := false
	for _, line := range strings.Split(out, "\n") {
		cells := cellSep.Split(strings.TrimSpace(line), -1)
		switch {
		case len(cells) == len(backlogHeader) && cells[0] == "round":
			inTable = true
		case inTable && len(cells) == len(backlogHeader):
			got[cells[0]+" "+cells[1]] = cells
		}
	}
	return got
}

// TestSmokeBacklog fills both systems with a tiny backlog in two rounds,
// restarts them, and drains every message after the restart (a side
// that lost its backlog in the restart would time out): the table must
// hold each round's figures and ratios.
func TestSmokeBacklog(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-backlog", "1000", "-rounds", "2"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	table := backlogRows(stdout.String())
	for _, round := range []string{"1", "2"} {
		for _, system := range []string{"teomq", "JetStream"} {
			cells, ok := table[round+" "+system]
			if !ok {
				t.Errorf("round %s, %s missing:\n%s", round, system, stdout.String())
				continue
			}
			for _, i := range []int{2, 4} { // fill and first delivery
				if !positiveDuration(cells[i]) {
					t.Errorf("round %s, %s: %s = %q, want a positive duration", round, system, backlogHeader[i], cells[i])
				}
			}
			for _, i := range []int{3, 6} { // RSS stopped and drain
				if !positiveNumber(strings.Fields(cells[i])[0]) {
					t.Errorf("round %s, %s: %s = %q, want a positive figure", round, system, backlogHeader[i], cells[i])
				}
			}
		}
		cells, ok := table[round+" teomq/JetStream"]
		if !ok {
			t.Errorf("round %s: ratios missing:\n%s", round, stdout.String())
			continue
		}
		for _, i := range []int{2, 3, 4, 6} {
			if !positiveNumber(cells[i]) {
				t.Errorf("round %s: ratio of %s = %q, want a positive ratio", round, backlogHeader[i], cells[i])
			}
		}
	}
	if n := strings.Count(stderr.String(), "backlog 1000, round "); n != 4 {
		t.Errorf("%d side runs logged, want 4 (2 rounds of 2 sides):\n%s", n, stderr.String())
	}
}
