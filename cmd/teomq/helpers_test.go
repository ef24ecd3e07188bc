package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/internal/logbuf"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer = logbuf.Buffer

// cliBroker runs `teomq broker` in-process on loopback until the test ends
// and returns its address and config dir.
func cliBroker(t *testing.T, extra ...string) (addr, config string) {
	t.Helper()
	addr, config, _ = cliBrokerLog(t, extra...)
	return addr, config
}

// cliBrokerLog is cliBroker that also returns the broker's log.
func cliBrokerLog(t *testing.T, extra ...string) (addr, config string, log *syncBuffer) {
	t.Helper()
	addr, config, log, _ = startCLIBroker(t, extra...)
	return addr, config, log
}

// cliBrokerOut is cliBroker that also returns the broker's stdout.
func cliBrokerOut(t *testing.T, extra ...string) (addr, config string, stdout *syncBuffer) {
	t.Helper()
	addr, config, _, stdout = startCLIBroker(t, extra...)
	return addr, config, stdout
}

// startCLIBroker runs `teomq broker` as cliBroker describes and returns
// its address, config dir, log and stdout.
func startCLIBroker(t *testing.T, extra ...string) (addr, config string, log, out *syncBuffer) {
	t.Helper()
	config = t.TempDir()
	log = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan error, 1)
	args := append([]string{"broker", "-config", config, "-listen", "127.0.0.1:0", "-http", "127.0.0.1:0", "-durability", "memory"}, extra...)
	go func() { done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: out, stderr: log}, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("broker: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("broker did not stop")
		}
	})
	re := regexp.MustCompile(`Connected to Teonet, this app address: ([A-Za-z0-9]{35})`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], config, log, out
		}
		select {
		case err := <-done:
			t.Fatalf("broker exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("broker printed no address")
	return "", "", nil, nil
}

// cli runs one subcommand and returns its stdout, stderr and error.
func cli(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := run(ctx, &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}, args)
	return out.String(), errOut.String(), err
}
