package teomq_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/teonet-go/teomq"
)

// recordedLog keeps the records logged through it, for tests.
type recordedLog struct {
	mu      sync.Mutex // guards records
	records []slog.Record
}

func (l *recordedLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *recordedLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *recordedLog) WithGroup(string) slog.Handler            { return l }
func (l *recordedLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
	return nil
}

// above returns the messages logged above level.
func (l *recordedLog) above(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level > level {
			out = append(out, r.Level.String()+" "+r.Message)
		}
	}
	return out
}

// attrs returns the attributes of the last record logged with message
// msg, each as key=value, by key; none if there is no such record.
func (l *recordedLog) attrs(msg string) map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string)
	for i := len(l.records) - 1; i >= 0; i-- {
		if r := l.records[i]; r.Message == msg {
			r.Attrs(func(a slog.Attr) bool {
				out[a.Key] = a.String()
				return true
			})
			break
		}
	}
	return out
}

// A client that connects, sends and closes normally logs nothing above
// debug: a shell user sees no "disconnected" line after a success. A
// connection the broker drops is still worth an info line.
func TestClientNormalLifeLogsQuietly(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{})
	log := &recordedLog{}
	c := mustConnect(t, b, teomq.WithLogger(slog.New(log)))
	if _, err := c.Send(testCtx(t), "quiet", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if loud := log.above(slog.LevelDebug); len(loud) > 0 {
		t.Fatalf("a normal connect, send and close logged %q", loud)
	}

	dropped := &recordedLog{}
	mustConnect(t, b, teomq.WithLogger(slog.New(dropped)))
	b.Close()
	waitFor(t, "an info line about the lost connection", func() bool { return len(dropped.above(slog.LevelDebug)) > 0 })
}
