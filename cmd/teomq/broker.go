package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/teonet-go/teomq"
	_ "github.com/teonet-go/teomq/cluster" // -cluster
	_ "github.com/teonet-go/teomq/metrics" // /metrics
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// runBroker runs a broker until ctx ends (SIGINT or SIGTERM).
func runBroker(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "broker", "[flags]",
		"Runs a broker on the embedded store (or, with -cluster, on a NATS JetStream\ncluster shared with other brokers). It prints its Teonet address; consumers\nand producers connect with -broker=ADDRESS. SIGINT or SIGTERM stop it cleanly.")
	var (
		id         identityFlags
		listen     string
		httpAddr   string
		origins    string
		hosts      string
		operators  string
		data       string
		durability string
		maxQueue   int
		maxBytes   int64
		maxDisk    int64
		resident   int64
		window     int
		maxSize    int
		lease      time.Duration
		syncDelay  time.Duration
		maxDeliver int
		logMsgs    bool
		conf       string
		cluster    string
		replicas   int
		prefix     string
	)
	id.register(fs, teomq.DefaultBrokerName)
	fs.StringVar(&listen, "listen", teomq.DefaultListen, "Teonet `host:port` to listen on")
	fs.StringVar(&httpAddr, "http", teomq.DefaultHTTP, "HTTP `host:port` for browser peers (WebSocket /teomq, client /teomq.js) and /healthz; empty: none")
	fs.StringVar(&origins, "allow-origin", "", "comma-separated web `origins` whose pages may connect to the WebSocket, such as http://localhost:8094; * allows any (default: the broker's own origin only)")
	fs.StringVar(&hosts, "allow-host", "", "comma-separated `names` the WebSocket answers to, host:port or host (any other Host is refused, against DNS rebinding); * allows any (default: localhost, 127.0.0.1, [::1] and the -http host, with the -http port)")
	fs.StringVar(&operators, "operator-from", "", "comma-separated `networks` (CIDR prefixes or addresses) whose HTTP clients may read /metrics and the dashboard; * allows any (default: loopback only)")
	fs.StringVar(&data, "data", "", "data `dir` of the message store (default <config>/teonet/<name>/data)")
	fs.StringVar(&durability, "durability", string(teomq.DurabilitySync), "when a message is confirmed: sync (on disk), interval (written, synced every 10ms) or memory (lost on restart)")
	fs.IntVar(&maxQueue, "max-queue", 0, "most messages a command may hold (0: 1,000,000)")
	fs.Int64Var(&maxBytes, "max-bytes", 0, "most payload bytes a command's pending messages may hold (0: 1 GiB)")
	fs.Int64Var(&maxDisk, "max-disk", 0, "disk budget of the store in bytes: past it publishes are refused (0: the store's size at start plus half the free space; -1: none)")
	fs.Int64Var(&resident, "resident-bytes", 0, "payload bytes of its waiting messages a command keeps in memory; the rest are read back from the store as consumers reach them (0: 64 MiB; -1: all; sync and interval durability)")
	fs.IntVar(&window, "window", 0, "messages of a command kept in memory; the rest of a backlog stays in the store and is read back in pages as consumers reach it (0: 4096; -1: all; sync and interval durability)")
	fs.IntVar(&maxSize, "max-size", teomq.DefaultMaxMessageSize, "largest message payload in bytes")
	fs.DurationVar(&syncDelay, "sync-delay", pebblestore.DefaultSyncDelay, "sync durability: pause between fsyncs while several producers publish, so that each covers more messages (negative: none)")
	fs.DurationVar(&lease, "lease", 0, "time a consumer has to answer before redelivery (0: 30s)")
	fs.IntVar(&maxDeliver, "max-deliveries", 0, "deliveries before a message is dead-lettered (0: 20)")
	fs.StringVar(&cluster, "cluster", "", "comma-separated `URLs` of the NATS servers of a JetStream cluster that keeps the queues instead of the embedded store, shared by every broker pointed at it (nats://h1:4222,nats://h2:4222,...); -durability, -data and the store's limits are then unused")
	fs.IntVar(&replicas, "cluster-replicas", 0, "with -cluster: copies the cluster keeps of each stream (0: 3)")
	fs.StringVar(&prefix, "cluster-prefix", "", "with -cluster: prefix of the stream names and subjects, so that installations can share a NATS cluster apart (default TEOMQ)")
	fs.BoolVar(&logMsgs, "log-messages", false, "log every stored message with its command's queue length")
	fs.StringVar(&conf, confFlag, "", "TOML config `file`: [broker] settings named as these flags (flags given win), and roles and rules saying who may publish, consume and administer which commands (default: peers on this machine may do everything, others are refused)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q: the broker takes flags only", fs.Arg(0))
	}
	// pol is the broker's authorization policy: the config file's, or the
	// default that admits peers on this machine only.
	pol := policy.Default()
	if conf != "" {
		f, err := loadConf(fs, conf)
		if err != nil {
			return fmt.Errorf("-conf: %w", err)
		}
		pol = f.Policy
	}
	d, err := teomq.ParseDurability(durability)
	if err != nil {
		return fmt.Errorf("-durability: %w", err)
	}
	log := id.logger(e.stderr)
	cfg := teomq.BrokerConfig{
		Name:           id.name,
		ConfigDir:      id.config,
		Listen:         listen,
		HTTP:           httpAddr,
		AllowedOrigins: splitList(origins),
		AllowedHosts:   splitList(hosts),
		OperatorFrom:   splitList(operators),
		DataDir:        data,
		Durability:     d,
		MaxQueueLen:    maxQueue,
		MaxQueueBytes:  maxBytes,
		MaxDisk:        maxDisk,
		ResidentBytes:  resident,
		Window:         window,
		MaxMessageSize: maxSize,
		Lease:          lease,
		SyncDelay:      syncDelay,
		MaxDeliveries:  maxDeliver,
		Policy:         pol,
		Logger:         log,

		Cluster:         splitList(cluster),
		ClusterReplicas: replicas,
		ClusterPrefix:   prefix,
	}
	if logMsgs {
		cfg.OnPublish = func(p teomq.PublishInfo) {
			log.Info("message", "command", p.Command, "id", p.ID, "from", p.From, "data", string(p.Data), "queue", p.QueueLen)
		}
	}
	b, err := teomq.NewBroker(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Connected to Teonet, this app address: %s\n", b.Address())
	fmt.Fprintln(e.stdout, endpointLine(b.Endpoint(), b.Addr()))
	if a := b.HTTPAddr(); a != nil {
		fmt.Fprintln(e.stdout, httpLine(a))
	}
	if conf != "" {
		reloadOnHangup(ctx, conf, b, log)
	}
	<-ctx.Done()
	log.Info("teomq: stopping broker")
	return b.Close()
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
