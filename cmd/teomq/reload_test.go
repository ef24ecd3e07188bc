package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

const reloadBefore = `
[[rule]]
roles = ["local"]
publish = ["allowed"]
`

const reloadAfter = `
[[rule]]
roles = ["local"]
publish = ["allowed", "later"]
`

// SIGHUP reloads the config file's policy without dropping connections; a
// file that does not parse keeps the policy in force and says why.
func TestBrokerReloadsItsPolicyOnSIGHUP(t *testing.T) {
	path := writeConf(t, reloadBefore)
	addr, config, log := cliBrokerLog(t, "-conf", path)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, addr, teomq.WithName("reload"), teomq.WithConfigDir(config))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Send(ctx, "later", nil); !errors.Is(err, teomq.ErrForbidden) {
		t.Fatalf("send before the reload: %v, want ErrForbidden", err)
	}

	hangup := func(want string) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(log.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the broker's log:\n%s", want, log.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := os.WriteFile(path, []byte("[[rule]\nbroken"), 0o600); err != nil {
		t.Fatal(err)
	}
	hangup("config reload failed")
	if _, err := c.Send(ctx, "allowed", nil); err != nil {
		t.Fatalf("after a failed reload the old policy must stay: %v", err)
	}

	if err := os.WriteFile(path, []byte(reloadAfter), 0o600); err != nil {
		t.Fatal(err)
	}
	hangup("config reloaded")
	if _, err := c.Send(ctx, "later", nil); err != nil {
		t.Fatalf("send after the reload, on the same connection: %v", err)
	}
}
