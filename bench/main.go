// Command bench compares teomq with NATS, the system its users would pick
// instead, in one process and one run: the same load generator
// (github.com/teonet-go/teomq/loadgen), payloads, client, consumer and
// message counts, and latency histogram, against
//
//   - an in-process teomq broker on loopback (TLS 1.3), in memory or sync
//     durability;
//   - an embedded nats-server on loopback (no TLS, its default) with
//     nats.go micro responders in a queue group, and JetStream work-queue
//     streams on file storage with sync_interval "always" and the default;
//   - for the cluster rows, 1 to 3 teomq brokers in cluster mode on an
//     embedded 3-node JetStream cluster, against JetStream R3 used
//     directly on the same cluster and against the single sync broker.
//
// It prints one table with both systems and the ratios teomq/NATS per row:
//
//	go run . [-scale 0.01] [-only request-64-memory] [-md FILE]
//
// The cluster rows run on an embedded 3-node JetStream cluster, or on
// one running elsewhere (say on three other machines):
//
//	go run . -only cluster-send-64-b3 -nats-cluster nats://h1:4222,nats://h2:4222,nats://h3:4222
//
// With -backlog N it instead fills a durable queue of each system with N
// pending messages, restarts it, and compares the RSS and the time to the
// first delivery:
//
//	CGO_ENABLED=0 go run . -backlog 1000000 [-rounds 3]
//
// (without cgo, so that the store's memtables are Go memory that a closed
// broker gives back, not C malloc's that a later round reuses).
//
// See BENCHMARKS.md in the main module for the rows and what each side
// guarantees in them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"time"

	_ "github.com/teonet-go/teomq/cluster" // the JetStream engine of the cluster rows' brokers
	"github.com/teonet-go/teomq/loadgen"
	_ "github.com/teonet-go/teomq/metrics"           // /metrics of the teomq broker
	_ "github.com/teonet-go/teomq/store/pebblestore" // the disk store of the teomq broker
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command line's settings.
type options struct {
	settings
	scale       float64
	backlog     int
	only        string
	md          string
	cpuprofile  string
	memprofile  string
	waitprofile string
	trace       string
	natsCluster string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&o.scale, "scale", 1, "multiply every row's message count by `factor` (0.01 for a smoke run)")
	fs.IntVar(&o.backlog, "backlog", 0, "instead of the rows, compare restarts with `n` pending 128 B messages (RSS, time to first delivery, drain)")
	fs.StringVar(&o.only, "only", "", "run only these `rows` (comma-separated ids)")
	fs.StringVar(&o.side, "side", sideBoth, "run only one side: teomq, nats or both")
	fs.IntVar(&o.rounds, "rounds", 1, "run each side of a row `n` times, alternating, and report each side's median-throughput run")
	fs.IntVar(&o.size, "size", loadgen.DefaultSize, "payload size in bytes of the rows that set none")
	fs.DurationVar(&o.duration, "duration", loadgen.DefaultDuration, "longest time one side of a row may run")
	fs.StringVar(&o.natsCluster, "nats-cluster", "", "run the cluster rows on the JetStream cluster of these client `urls` (comma-separated), of 3 nodes, instead of an embedded one")
	fs.StringVar(&o.md, "md", "", "also write the table as Markdown to `file`")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to `file`")
	fs.StringVar(&o.memprofile, "memprofile", "", "write an allocation profile of the whole run to `file`")
	fs.StringVar(&o.trace, "trace", "", "write a runtime execution trace of the whole run to `file` (go tool trace)")
	fs.StringVar(&o.waitprofile, "waitprofile", "", "write profiles of lock contention and blocking to `prefix`.mutex and `prefix`.block")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: bench [flags]\n\nRuns teomq and NATS side by side. Rows:\n")
		for _, r := range rows() {
			vs := r.nats.name
			if r.base != nil {
				vs += " and " + r.base.name
			}
			fmt.Fprintf(fs.Output(), "  %-22s %s: %s vs %s\n", r.id, r.describe(), r.teomq.name, vs)
		}
		fmt.Fprintf(fs.Output(), "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.scale <= 0:
		return o, fmt.Errorf("-scale %v: must be positive", o.scale)
	case o.backlog < 0:
		return o, fmt.Errorf("-backlog %d: must not be negative", o.backlog)
	case o.rounds < 1:
		return o, fmt.Errorf("-rounds %d: must be at least 1", o.rounds)
	case o.side != sideBoth && o.side != sideTeomq && o.side != sideNATS:
		return o, fmt.Errorf("-side %q: want teomq, nats or both", o.side)
	case o.size < 0 || o.duration <= 0:
		return o, fmt.Errorf("-size must not be negative and -duration must be positive")
	}
	if o.size == 0 {
		o.size = -1 // loadgen's empty payload
	}
	return o, nil
}

// run runs the selected rows and prints the comparison on stdout; progress
// goes to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	if o.backlog > 0 {
		return runBacklogComparison(ctx, o.backlog, o.rounds, stdout, stderr)
	}
	selected, err := selectRows(rows(), o.only)
	if err != nil {
		return err
	}
	o.log = stderr
	o.shared = &sharedCluster{}
	if o.natsCluster != "" {
		o.shared.urls = strings.Split(o.natsCluster, ",")
	}
	defer func() { err = errors.Join(err, o.shared.Close()) }()
	if loadgen.IsTerminal(stderr) {
		o.progress = stderr
	}
	if o.cpuprofile != "" {
		stopProfile, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, stopProfile()) }()
	}
	if o.trace != "" {
		stopTrace, err := startTrace(o.trace)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, stopTrace()) }()
	}
	if o.waitprofile != "" {
		runtime.SetMutexProfileFraction(5)
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	}
	loadStart := loadAverage()
	comps := make([]comparison, 0, len(selected))
	for _, r := range selected {
		c, err := runRow(ctx, r.scaled(o.scale), o.settings)
		if err != nil {
			return err
		}
		comps = append(comps, c)
	}
	env := describeEnv(o, loadStart)
	fmt.Fprintf(stdout, "%s\n\n", env)
	if err := writeText(stdout, comps); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := writeDetails(stdout, comps); err != nil {
		return err
	}
	if o.md != "" {
		if err := writeFile(o.md, func(w io.Writer) error { return writeMarkdown(w, comps, env) }); err != nil {
			return err
		}
	}
	for file, profile := range map[string]string{o.memprofile: "allocs", o.waitprofile + ".mutex": "mutex", o.waitprofile + ".block": "block"} {
		if file == "" || file[0] == '.' {
			continue
		}
		if err := writeFile(file, func(w io.Writer) error { return pprof.Lookup(profile).WriteTo(w, 0) }); err != nil {
			return err
		}
	}
	return nil
}

// describeEnv says where and how the comparison ran; loadStart is the
// machine's load average when it started.
func describeEnv(o options, loadStart string) string {
	size := max(o.size, 0)
	s := fmt.Sprintf("%s, %s/%s, GOMAXPROCS %d, %d B payloads unless a row names its size, loopback, one process; run %s (scale %g, at most %s per side, median of %d alternating runs per side)",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), size,
		time.Now().UTC().Format("2006-01-02"), o.scale, o.duration, o.rounds)
	if end := loadAverage(); loadStart != "" && end != "" {
		s += fmt.Sprintf("; 1-minute load average %s at the start, %s at the end", loadStart, end)
	}
	return s
}

// loadAverage returns the 1-minute load average where /proc tells it: a
// busy machine makes every figure noisier.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// startCPUProfile starts profiling into path; the returned function stops
// it and closes the file.
func startCPUProfile(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// startTrace starts a runtime execution trace into path; the returned
// function stops it and closes the file.
func startTrace(path string) (func() error, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-trace: %w", err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-trace: %w", err)
	}
	return func() error {
		trace.Stop()
		return f.Close()
	}, nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
