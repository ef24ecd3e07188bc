package teomq

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// testRefusalLog is a refusalLog on a clock the test moves, writing to buf.
func testRefusalLog(buf *bytes.Buffer) (*refusalLog, *time.Time) {
	l := newRefusalLog(slog.New(slog.NewTextHandler(buf, nil)), time.Minute)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	return l, &now
}

func TestRefusalLogOneLinePerSourceAndInterval(t *testing.T) {
	var buf bytes.Buffer
	l, now := testRefusalLog(&buf)
	reason := errors.New("no Origin")
	for range 5 {
		l.refused("10.0.0.1", reason, "", "h")
	}
	l.refused("10.0.0.2", reason, "", "h")
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("6 refusals from 2 sources within the interval: %d lines, want 2:\n%s", n, &buf)
	}
	buf.Reset()
	*now = now.Add(time.Minute)
	l.refused("10.0.0.1", reason, "", "h")
	// The line counts the 4 refusals not logged and this one.
	if got := buf.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "source=10.0.0.1 refused=5 ") {
		t.Fatalf("after the interval: %q, want one line with refused=5", got)
	}
}

func TestRefusalLogBoundsItsSources(t *testing.T) {
	var buf bytes.Buffer
	l, now := testRefusalLog(&buf)
	for i := range maxRefusalSources + 100 {
		l.refused(fmt.Sprintf("10.0.%d.%d", i/256, i%256), errWebNoOrigin, "", "h")
	}
	if n := len(l.sources); n > maxRefusalSources+1 {
		t.Fatalf("%d sources remembered, want at most %d", n, maxRefusalSources+1)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != maxRefusalSources+1 {
		t.Fatalf("%d lines, want one per remembered source and one for the others", lines)
	}
	// Once the interval has passed, old sources make room for new ones.
	*now = now.Add(time.Minute)
	buf.Reset()
	l.refused("192.0.2.1", errWebNoOrigin, "", "h")
	if !strings.Contains(buf.String(), "source=192.0.2.1 ") {
		t.Fatalf("a new source after the interval: %q", &buf)
	}
}
