package loadgen

import (
	"fmt"
	"io"
	"time"
)

// Mode is what a run measures.
type Mode string

// Modes of a run.
const (
	// ModeRequest measures request/reply round trips: Clients send
	// requests, Consumers echo them.
	ModeRequest Mode = "request"
	// ModeSend measures confirmed publishes from Clients, with no
	// consumer.
	ModeSend Mode = "send"
	// ModeConsume measures Consumers taking and acknowledging Msgs
	// messages stored before the timed part.
	ModeConsume Mode = "consume"
)

// Modes lists every Mode in the order a help text shows them.
func Modes() []Mode { return []Mode{ModeRequest, ModeSend, ModeConsume} }

// ParseMode parses "request", "send" or "consume".
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: mode %q: want request, send or consume", ErrBadConfig, s)
}

// Defaults of a Config's zero fields.
const (
	DefaultMsgs     = 100_000
	DefaultSize     = 128
	DefaultDuration = 10 * time.Second
	DefaultTimeout  = 10 * time.Second
	// DefaultFillTimeout bounds ModeConsume's untimed Fill.
	DefaultFillTimeout = 5 * time.Minute
)

// Config describes one run. The zero value of a field takes its default.
type Config struct {
	// Mode is what to measure. Required.
	Mode Mode
	// Label names the system and its settings in reports, such as
	// "teomq sync".
	Label string
	// Clients is how many clients send requests or messages at once, each
	// on its own connection; ModeConsume has none. Default 1.
	Clients int
	// Consumers is how many connections answer requests (ModeRequest) or
	// take messages (ModeConsume); ModeSend has none. Default 1.
	Consumers int
	// Msgs is how many operations the run makes: round trips, confirmed
	// publishes, or messages stored and then consumed. Default DefaultMsgs.
	Msgs int
	// Size is the payload size in bytes. Default DefaultSize; a negative
	// size means an empty payload.
	Size int
	// Duration bounds the timed part: the run stops at Msgs operations or
	// at Duration, whichever comes first. Default DefaultDuration.
	Duration time.Duration
	// Timeout is how long past Duration an operation may still run before
	// the run fails. Default DefaultTimeout.
	Timeout time.Duration
	// FillTimeout bounds ModeConsume's Fill. Default DefaultFillTimeout.
	FillTimeout time.Duration
	// Progress, when set, receives a progress bar redrawn in place with
	// carriage returns: give it a terminal only.
	Progress io.Writer
}

// withDefaults fills in defaults and validates.
func (c Config) withDefaults() (Config, error) {
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return c, err
	}
	for _, v := range []struct {
		name string
		val  int64
	}{
		{"Clients", int64(c.Clients)},
		{"Consumers", int64(c.Consumers)},
		{"Msgs", int64(c.Msgs)},
		{"Duration", int64(c.Duration)},
		{"Timeout", int64(c.Timeout)},
		{"FillTimeout", int64(c.FillTimeout)},
	} {
		if v.val < 0 {
			return c, fmt.Errorf("%w: %s %d is negative", ErrBadConfig, v.name, v.val)
		}
	}
	c.Clients = orDefault(c.Clients, 1)
	c.Consumers = orDefault(c.Consumers, 1)
	c.Msgs = orDefault(c.Msgs, DefaultMsgs)
	c.Duration = orDefault(c.Duration, DefaultDuration)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.FillTimeout = orDefault(c.FillTimeout, DefaultFillTimeout)
	switch {
	case c.Size == 0:
		c.Size = DefaultSize
	case c.Size < 0:
		c.Size = 0
	}
	switch c.Mode {
	case ModeSend:
		c.Consumers = 0
	case ModeConsume:
		c.Clients = 0
	}
	return c, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
