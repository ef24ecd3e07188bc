package examples_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// The README's "Test" section and CI run the same test commands: every
// command of the section's bash blocks is a line of .ci/run, and every
// go test line of .ci/run is in the section.
func TestCIRunsTheReadmeTestCommands(t *testing.T) {
	t.Parallel()
	readme := readmeTestCommands(t)
	if len(readme) < 3 {
		t.Fatalf("README's Test section gives %q; want the main module's, web_test's and bench's test commands", readme)
	}
	ci := linesOf(t, "../.ci/run")
	for _, cmd := range readme {
		if !slices.Contains(ci, cmd) {
			t.Errorf(".ci/run does not run %q, which README's Test section gives", cmd)
		}
	}
	for _, line := range ci {
		if strings.Contains(line, "go test") && !strings.HasPrefix(line, "#") && !slices.Contains(readme, line) {
			t.Errorf(".ci/run runs %q, which README's Test section does not give", line)
		}
	}
}

// readmeTestCommands returns the lines of the bash blocks of README.md's
// "Test" section.
func readmeTestCommands(t *testing.T) []string {
	t.Helper()
	var cmds []string
	inSection, inBash := false, false
	for _, line := range linesOf(t, "../README.md") {
		switch {
		case strings.HasPrefix(line, "## "):
			inSection = line == "## Test"
		case !inSection:
		case line == "```bash":
			inBash = true
		case strings.HasPrefix(line, "```"):
			inBash = false
		case inBash && line != "" && !strings.HasPrefix(line, "#"):
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// linesOf returns the lines of a file, trimmed of surrounding space.
func linesOf(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
