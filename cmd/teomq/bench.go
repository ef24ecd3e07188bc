package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/loadgen"
)

const benchAbout = `Measures a broker under load and prints the throughput and the latency
distribution (min, p50, p90, p99, p99.9, max). MODE is one of:
  request  request/reply round trips: -clients requesters, -consumers echo responders
  send     confirmed publishes from -clients producers (no consumer)
  consume  -consumers consumers take and answer -msgs messages stored beforehand;
           its distribution is of the gaps between a consumer's messages
           (gap-min ... gap-max), not of latencies
The run stops after -msgs operations or -duration, whichever comes first;
Ctrl+C stops it early, prints what was measured until then and exits with
status 130. Without -broker it starts a broker in this process on
127.0.0.1, with its data in a temporary directory and the durability of
-durability. The clients use throwaway identities unless -name is given.`

// errInterrupted is returned by bench when a signal ended the run before
// it finished; the partial result was printed. main exits with 130.
var errInterrupted = errors.New("interrupted")

// benchFlags are the settings of "teomq bench".
type benchFlags struct {
	identityFlags
	broker      string
	command     string
	clients     int
	consumers   int
	msgs        int
	size        int
	concurrency int
	duration    time.Duration
	durability  string
	csv         string
}

func (f *benchFlags) register(fs *flag.FlagSet) {
	f.identityFlags.register(fs, "") // throwaway identities unless -name is given
	fs.StringVar(&f.broker, "broker", "", "broker `address` to load: ADDRESS or ADDRESS@host:port (default: a broker in this process)")
	fs.StringVar(&f.command, "command", loadgen.DefaultTeomqCommand, "`command` the load uses")
	fs.IntVar(&f.clients, "clients", 1, "clients sending at once, each on its own connection (request, send)")
	fs.IntVar(&f.consumers, "consumers", 1, "responders (request) or consumers (consume), each on its own connection")
	fs.IntVar(&f.msgs, "msgs", loadgen.DefaultMsgs, "operations to run: round trips, publishes, or messages to store and consume")
	fs.IntVar(&f.size, "size", loadgen.DefaultSize, "payload size in bytes")
	fs.IntVar(&f.concurrency, "concurrency", loadgen.DefaultTeomqConcurrency, "messages each responder or consumer handles at once (its credit)")
	fs.DurationVar(&f.duration, "duration", loadgen.DefaultDuration, "longest time the measured part may run")
	fs.StringVar(&f.durability, "durability", string(teomq.DurabilitySync), "durability of the in-process broker: sync, interval or memory (ignored with -broker)")
	fs.StringVar(&f.csv, "csv", "", "also write the result as CSV to `file`")
}

// runBench runs one load against a broker and prints what it measured.
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench", "MODE [flags]", benchAbout)
	var f benchFlags
	f.register(fs)
	mode, err := parseBenchArgs(fs, e, args)
	if err != nil {
		return err
	}
	cfg, tcfg, err := f.configs(mode, e.stderr)
	if err != nil {
		return err
	}
	if loadgen.IsTerminal(e.stderr) {
		cfg.Progress = e.stderr
	}
	target, err := loadgen.NewTeomq(tcfg)
	if err != nil {
		return err
	}
	defer target.Close()

	fmt.Fprintln(e.stdout, f.describe(cfg))
	res, err := loadgen.Run(ctx, target, cfg)
	interrupted := errors.Is(err, loadgen.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	if interrupted {
		if res.Msgs == 0 {
			fmt.Fprintln(e.stdout, "Interrupted before any operation finished: nothing measured.")
			return errInterrupted
		}
		fmt.Fprintf(e.stdout, "Interrupted after %s: partial result of %d of %d msgs.\n",
			loadgen.FormatDuration(res.Elapsed), res.Msgs, cfg.Msgs)
	}
	if err := loadgen.WriteTable(e.stdout, res); err != nil {
		return err
	}
	if f.csv != "" {
		if err := writeCSVFile(f.csv, res); err != nil {
			return err
		}
	}
	if interrupted {
		return errInterrupted
	}
	return nil
}

// parseBenchArgs parses the command line, flags anywhere, and returns MODE.
func parseBenchArgs(fs *flag.FlagSet, e *env, args []string) (string, error) {
	if err := parse(fs, e, args); err != nil {
		return "", err
	}
	switch fs.NArg() {
	case 0:
		return "", usageErrorf("missing MODE: request, send or consume")
	case 1:
		return fs.Arg(0), nil
	}
	return "", usageErrorf("unexpected argument %q: bench takes one MODE", fs.Arg(1))
}

// configs turns the flags into the run's and the target's configuration.
func (f *benchFlags) configs(mode string, logTo io.Writer) (loadgen.Config, loadgen.TeomqConfig, error) {
	m, err := loadgen.ParseMode(mode)
	if err != nil {
		return loadgen.Config{}, loadgen.TeomqConfig{}, &usageError{err: err}
	}
	d, err := teomq.ParseDurability(f.durability)
	if err != nil {
		return loadgen.Config{}, loadgen.TeomqConfig{}, fmt.Errorf("-durability: %w", err)
	}
	for _, v := range []struct {
		name string
		val  int
	}{{"clients", f.clients}, {"consumers", f.consumers}, {"msgs", f.msgs}, {"concurrency", f.concurrency}} {
		if v.val < 1 {
			return loadgen.Config{}, loadgen.TeomqConfig{}, usageErrorf("-%s %d: must be at least 1", v.name, v.val)
		}
	}
	if f.size < 0 || f.duration <= 0 {
		return loadgen.Config{}, loadgen.TeomqConfig{}, usageErrorf("-size must not be negative and -duration must be positive")
	}
	size := f.size
	if size == 0 {
		size = -1 // loadgen's empty payload
	}
	cfg := loadgen.Config{
		Mode:      m,
		Label:     "teomq",
		Clients:   f.clients,
		Consumers: f.consumers,
		Msgs:      f.msgs,
		Size:      size,
		Duration:  f.duration,
	}
	tcfg := loadgen.TeomqConfig{
		Broker:           f.broker,
		Durability:       d,
		Command:          f.command,
		Concurrency:      f.concurrency,
		Name:             f.name,
		EphemeralClients: f.name == "",
		Logger:           f.benchLogger(logTo),
	}
	if f.broker != "" {
		// Identities and the address book of a running broker's machine.
		tcfg.ConfigDir = f.config
		if tcfg.ConfigDir == "" {
			if tcfg.ConfigDir, err = os.UserConfigDir(); err != nil {
				return loadgen.Config{}, loadgen.TeomqConfig{}, fmt.Errorf("no -config and no user config dir: %w", err)
			}
		}
	} else {
		cfg.Label += " " + string(d)
	}
	return cfg, tcfg, nil
}

// benchLogger logs warnings only (debug with -v): a load opens many
// connections, each of which would log at info level.
func (f *benchFlags) benchLogger(w io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// describe is the line printed above the results.
func (f *benchFlags) describe(cfg loadgen.Config) string {
	where := "in-process broker, durability " + f.durability
	if f.broker != "" {
		where = "broker " + f.broker
	}
	var who string
	switch cfg.Mode {
	case loadgen.ModeRequest:
		who = count(cfg.Clients, "client") + ", " + count(cfg.Consumers, "responder")
	case loadgen.ModeSend:
		who = count(cfg.Clients, "producer")
	case loadgen.ModeConsume:
		who = count(cfg.Consumers, "consumer")
	}
	return fmt.Sprintf("teomq bench %s: %s, %d msgs of %d B, at most %s; %s",
		cfg.Mode, who, cfg.Msgs, f.size, cfg.Duration, where)
}

// count is "1 client", "2 clients".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeCSVFile writes res as CSV to path.
func writeCSVFile(path string, res loadgen.Result) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-csv: %w", err)
	}
	if err := loadgen.WriteCSV(file, res); err != nil {
		file.Close()
		return fmt.Errorf("-csv %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("-csv %s: %w", path, err)
	}
	return nil
}
