package loadgen_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/loadgen"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunStopsAtMsgs(t *testing.T) {
	for _, mode := range loadgen.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			target := newMemTarget(0)
			cfg := loadgen.Config{Mode: mode, Clients: 4, Consumers: 2, Msgs: 1000, Duration: 10 * time.Second}
			res, err := loadgen.Run(testCtx(t), target, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Msgs != 1000 || res.Hist.Count() != 1000 {
				t.Errorf("Msgs = %d, histogram count %d, want 1000", res.Msgs, res.Hist.Count())
			}
			if mode != loadgen.ModeConsume {
				if n := target.ops.Load(); n != 1000 {
					t.Errorf("target saw %d operations, want exactly 1000", n)
				}
			} else if left := len(target.queue); left != 0 {
				t.Errorf("%d messages left unconsumed", left)
			}
			if res.Throughput <= 0 || res.Elapsed <= 0 {
				t.Errorf("throughput %v over %v, want both positive", res.Throughput, res.Elapsed)
			}
			if res.Mode != mode || res.Size != loadgen.DefaultSize {
				t.Errorf("result mode %q size %d, want %q and the default size", res.Mode, res.Size, mode)
			}
		})
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	tests := []struct {
		name   string
		mode   loadgen.Mode
		target *memTarget
	}{
		{"request", loadgen.ModeRequest, newMemTarget(0)},
		{"send", loadgen.ModeSend, newMemTarget(0)},
		{"consume of a stalled target", loadgen.ModeConsume, &memTarget{dropFill: true, queue: make(chan []byte)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const dur = 100 * time.Millisecond
			cfg := loadgen.Config{Mode: tt.mode, Clients: 2, Consumers: 2, Msgs: 1 << 40, Duration: dur}
			res, err := loadgen.Run(testCtx(t), tt.target, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Elapsed < dur || res.Elapsed > 5*time.Second {
				t.Errorf("Elapsed = %v, want about %v", res.Elapsed, dur)
			}
			if res.Msgs >= cfg.Msgs {
				t.Errorf("Msgs = %d, want fewer than %d", res.Msgs, cfg.Msgs)
			}
		})
	}
}

func TestRunEndsAtFirstError(t *testing.T) {
	for _, mode := range []loadgen.Mode{loadgen.ModeRequest, loadgen.ModeSend} {
		t.Run(string(mode), func(t *testing.T) {
			_, err := loadgen.Run(testCtx(t), newMemTarget(50), loadgen.Config{Mode: mode, Clients: 3, Msgs: 1000})
			if !errors.Is(err, errInjected) {
				t.Fatalf("Run = %v, want the injected error", err)
			}
		})
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  loadgen.Config
	}{
		{"no mode", loadgen.Config{}},
		{"unknown mode", loadgen.Config{Mode: "publish"}},
		{"negative clients", loadgen.Config{Mode: loadgen.ModeRequest, Clients: -1}},
		{"negative msgs", loadgen.Config{Mode: loadgen.ModeSend, Msgs: -5}},
		{"negative duration", loadgen.Config{Mode: loadgen.ModeConsume, Duration: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := loadgen.Run(testCtx(t), newMemTarget(0), tt.cfg); !errors.Is(err, loadgen.ErrBadConfig) {
				t.Fatalf("Run = %v, want ErrBadConfig", err)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range loadgen.Modes() {
		if got, err := loadgen.ParseMode(string(m)); got != m || err != nil {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := loadgen.ParseMode("Request"); !errors.Is(err, loadgen.ErrBadConfig) {
		t.Errorf("ParseMode(Request) = %v, want ErrBadConfig", err)
	}
}

func TestRunDrawsProgress(t *testing.T) {
	var buf bytes.Buffer
	cfg := loadgen.Config{Mode: loadgen.ModeSend, Label: "mem", Msgs: 500, Progress: &buf}
	if _, err := loadgen.Run(testCtx(t), newMemTarget(0), cfg); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\rmem send [") || !strings.Contains(out, "100% 500/500") || !strings.HasSuffix(out, "\n") {
		t.Errorf("progress output %q: want a redrawn bar ending at 100%% 500/500 and a newline", out)
	}
	// Each redraw clears the rest of the line: a shorter line leaves no
	// characters of the one before.
	for _, draw := range strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:] {
		if !strings.HasSuffix(draw, "\x1b[K") {
			t.Errorf("redraw %q does not clear to the end of the line", draw)
		}
	}
}

// An interrupted run returns what it measured until then, for every mode.
func TestRunInterruptedReturnsPartialResult(t *testing.T) {
	for _, mode := range loadgen.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			target := newMemTarget(0)
			target.cancel, target.cancelAt = cancel, 100
			cfg := loadgen.Config{Mode: mode, Clients: 2, Consumers: 2, Msgs: 20_000, Duration: time.Minute}
			res, err := loadgen.Run(ctx, target, cfg)
			if !errors.Is(err, loadgen.ErrInterrupted) || !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want ErrInterrupted and context.Canceled", err)
			}
			if !res.Partial || res.Mode != mode || res.Msgs < 99 || res.Msgs >= cfg.Msgs || res.Hist.Count() != uint64(res.Msgs) {
				t.Fatalf("result partial %v, mode %s, %d msgs (histogram %d): want a partial %s result of 99 to %d msgs",
					res.Partial, res.Mode, res.Msgs, res.Hist.Count(), mode, cfg.Msgs-1)
			}
			if res.Elapsed <= 0 || res.Throughput <= 0 {
				t.Errorf("elapsed %v, throughput %v: want positive", res.Elapsed, res.Throughput)
			}
		})
	}
}
