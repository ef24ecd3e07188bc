package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/policy"
)

// reloadOnHangup reloads the policy of the config file at path into b on
// each SIGHUP until ctx ends, without dropping connections. A file that
// does not load keeps the policy in force, and the log says why. Its
// goroutine is owned by runBroker and ends with ctx.
func reloadOnHangup(ctx context.Context, path string, b *teomq.Broker, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				reload(path, b, log)
			}
		}
	}()
}

// reload loads the policy of the config file at path into b; settings
// ([broker]) take effect at the next start only.
func reload(path string, b *teomq.Broker, log *slog.Logger) {
	f, err := policy.Load(path)
	if err != nil {
		log.Error("teomq: config reload failed; the policy in force stays", "file", path, "err", err)
		return
	}
	b.SetPolicy(f.Policy)
	log.Info("teomq: config reloaded", "file", path)
}
