package pebblestore

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/teonet-go/teomq/store"
)

// levelLog records the level and message of each record, with its
// component attribute.
type levelLog struct {
	mu      sync.Mutex // guards records
	records []loggedRecord
}

type loggedRecord struct {
	level     slog.Level
	msg       string
	component string
}

func (l *levelLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *levelLog) WithGroup(string) slog.Handler            { return l }
func (l *levelLog) Handle(_ context.Context, r slog.Record) error {
	rec := loggedRecord{level: r.Level, msg: r.Message}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "component" {
			rec.component = a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, rec)
	return nil
}

func (l *levelLog) pebble() []loggedRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loggedRecord
	for _, r := range l.records {
		if r.component == "pebble" {
			out = append(out, r)
		}
	}
	return out
}

// Pebble's chatter when a store opens (WALs found and replayed) is debug;
// its errors stay errors.
func TestPebbleEngineLogsAtDebug(t *testing.T) {
	log := &levelLog{}
	dir := t.TempDir()
	for range 2 { // the second open replays the first one's log
		s, err := OpenPebble(dir, PebbleOptions{Logger: slog.New(log)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write([]store.Op{testMessage(1)}, true); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	recs := log.pebble()
	if len(recs) == 0 {
		t.Fatal("pebble logged nothing at all; the test cannot tell its level")
	}
	for _, r := range recs {
		if r.level > slog.LevelDebug {
			t.Errorf("pebble logged %q at %v, want debug", r.msg, r.level)
		}
	}

	errLog := &levelLog{}
	engineLogger{log: slog.New(errLog)}.Errorf("disk %s", "trouble")
	if recs := errLog.pebble(); len(recs) != 1 || recs[0].level != slog.LevelError || recs[0].msg != "disk trouble" {
		t.Errorf("Errorf logged %+v, want one error", recs)
	}
}
