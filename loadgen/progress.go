package loadgen

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progressInterval is how often the progress bar is redrawn.
const progressInterval = 200 * time.Millisecond

// progressWidth is the bar's width in characters.
const progressWidth = 30

// clearToEOL is the terminal's "erase to end of line" (ANSI EL): written
// after each redraw, it wipes what a longer previous line left.
const clearToEOL = "\x1b[K"

// progress redraws a progress bar in place. Its goroutine is owned by the
// run that starts it with startProgress and stops it with stop; a nil
// *progress draws nothing.
type progress struct {
	w        io.Writer
	label    string
	total    int64
	dur      time.Duration
	start    time.Time
	done     *atomic.Int64
	quit     chan struct{}
	exited   chan struct{}
	stopOnce sync.Once
}

// startProgress starts drawing on w the progress of a run that ends at
// cfg.Msgs operations (counted in done) or cfg.Duration after start. It
// returns nil when w is nil.
func startProgress(w io.Writer, cfg Config, start time.Time, done *atomic.Int64) *progress {
	if w == nil {
		return nil
	}
	p := &progress{
		w:      w,
		label:  strings.TrimSpace(cfg.Label + " " + string(cfg.Mode)),
		total:  int64(cfg.Msgs),
		dur:    cfg.Duration,
		start:  start,
		done:   done,
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go p.loop() // owned by the run; stopped by stop
	return p
}

func (p *progress) loop() {
	defer close(p.exited)
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.draw()
		}
	}
}

// stop draws the bar a last time and ends its line. Safe to call twice.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		close(p.quit)
		<-p.exited
		p.draw()
		fmt.Fprintln(p.w)
	})
}

// draw writes the bar: the larger of the count's and the clock's share.
func (p *progress) draw() {
	n := p.done.Load()
	elapsed := time.Since(p.start)
	frac := float64(n) / float64(p.total)
	if f := float64(elapsed) / float64(p.dur); f > frac {
		frac = f
	}
	frac = min(frac, 1)
	fill := int(frac * progressWidth)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", progressWidth-fill)
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %d/%d %s%s", p.label, bar, frac*100, n, p.total, elapsed.Round(100*time.Millisecond), clearToEOL)
}

// IsTerminal reports whether w is a character device, such as a terminal:
// where a progress bar belongs (Config.Progress).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
