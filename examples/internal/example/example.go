// Package example holds what the example programs share: the original
// project's flags (-broker, -name, -nomsg, -delay, -command), connecting with
// them, and running a broker.
package example

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/teonet-go/teomq"
)

// Flags are the example programs' command-line flags.
type Flags struct {
	Broker  string // -broker: the broker's address
	Name    string // -name: identity name
	Config  string // -config: config dir (identities, address book)
	NoMsg   bool   // -nomsg: do not log messages
	Delay   int    // -delay: microseconds between messages (producers)
	Command string // -command: the command to send to (producers)
}

// Parse registers the flags on flag.CommandLine and parses them. Producers
// also get -delay and, with defCommand set, -command.
func Parse(defName string, producer bool, defCommand string) *Flags {
	f := &Flags{}
	flag.StringVar(&f.Name, "name", defName, "application short name: selects this peer's identity and address")
	flag.StringVar(&f.Config, "config", "", "config dir for identities and the address book (default: the user config dir)")
	flag.BoolVar(&f.NoMsg, "nomsg", false, "don't show log messages")
	flag.StringVar(&f.Broker, "broker", "", "broker address (ADDRESS or ADDRESS@host:port)")
	if producer {
		flag.IntVar(&f.Delay, "delay", 1000000, "send delay in microseconds")
		if defCommand != "" {
			flag.StringVar(&f.Command, "command", defCommand, "command to send")
		}
	}
	flag.Parse()
	return f
}

// Logger logs with microseconds, or nowhere with -nomsg.
func (f *Flags) Logger() *log.Logger {
	if f.NoMsg {
		return log.New(io.Discard, "", 0)
	}
	return log.New(os.Stdout, "", log.LstdFlags|log.Lmicroseconds)
}

// Connect connects to -broker and prints this peer's address. It exits the
// program with a message naming the flag to fix when it cannot.
func (f *Flags) Connect(ctx context.Context) *teomq.Client {
	if f.Broker == "" {
		fmt.Fprintln(os.Stderr, "The broker address should be set. Use -broker flag to set it.")
		os.Exit(2)
	}
	opts := []teomq.Option{teomq.WithName(f.Name), teomq.WithLogger(slogger(f.NoMsg))}
	if f.Config != "" {
		opts = append(opts, teomq.WithConfigDir(f.Config))
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := teomq.Connect(cctx, f.Broker, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "can't connect to the broker:", err)
		os.Exit(1)
	}
	fmt.Println("Connected to Teonet, this app address:", c.Address())
	return c
}

// Delayed sleeps for -delay or until ctx ends; it reports whether to go on.
func (f *Flags) Delayed(ctx context.Context) bool {
	t := time.NewTimer(time.Duration(f.Delay) * time.Microsecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SignalContext is cancelled by SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// slogger is the teomq library's logger: warnings only, none with -nomsg.
func slogger(quiet bool) *slog.Logger {
	if quiet {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// RunBroker runs an example broker: it prints its address, logs every
// message with its command's queue length and stops on SIGINT or SIGTERM.
func RunBroker(defName string) {
	var (
		name, config, listen, data, durability string
		nomsg                                  bool
	)
	flag.StringVar(&name, "name", defName, "application short name: selects the broker's identity and address")
	flag.StringVar(&config, "config", "", "config dir for identities and the address book (default: the user config dir)")
	flag.StringVar(&listen, "listen", teomq.DefaultListen, "Teonet host:port to listen on")
	flag.StringVar(&data, "data", "", "data dir of the message store (default <config>/teonet/<name>/data)")
	flag.StringVar(&durability, "durability", string(teomq.DurabilitySync), "sync, interval or memory")
	flag.BoolVar(&nomsg, "nomsg", false, "don't show log messages")
	flag.Parse()

	d, err := teomq.ParseDurability(durability)
	if err != nil {
		fmt.Fprintln(os.Stderr, "-durability:", err)
		os.Exit(2)
	}
	logger := (&Flags{NoMsg: nomsg}).Logger()
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		Name: name, ConfigDir: config, Listen: listen, DataDir: data, Durability: d,
		Logger: slogger(nomsg),
		OnPublish: func(p teomq.PublishInfo) {
			logger.Printf("got message %s from %s: %s/%s, queue length: %d", p.ID, p.From, p.Command, p.Data, p.QueueLen)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "can't start the broker:", err)
		os.Exit(1)
	}
	fmt.Println("Connected to Teonet, this app address:", b.Address())
	fmt.Println("Endpoint:", b.Endpoint())
	ctx, stop := SignalContext()
	defer stop()
	<-ctx.Done()
	if err := b.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "broker close:", err)
		os.Exit(1)
	}
}
