package main

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsReadyTimeout bounds how long an embedded server may take to start.
const natsReadyTimeout = 10 * time.Second

// startNATS starts an embedded nats-server on 127.0.0.1 with a free port
// and no TLS, its default. With storeDir set it enables JetStream with file
// storage there; syncAlways sets its sync_interval to "always" (fsync on
// every write), otherwise the server's default applies (every 2 minutes).
// The caller stops it with Shutdown.
func startNATS(storeDir string, syncAlways bool) (*server.Server, error) {
	opts := &server.Options{}
	if storeDir != "" {
		conf := fmt.Sprintf("jetstream {\n  store_dir: %q\n", storeDir)
		if syncAlways {
			conf += "  sync_interval: always\n"
		}
		conf += "}\n"
		if err := opts.ProcessConfigString(conf); err != nil {
			return nil, fmt.Errorf("nats-server config: %w", err)
		}
	}
	opts.Host, opts.Port = "127.0.0.1", server.RANDOM_PORT
	opts.NoLog, opts.NoSigs = true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats-server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(natsReadyTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats-server: %w after %v", errNotReady, natsReadyTimeout)
	}
	return ns, nil
}
