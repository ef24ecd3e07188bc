package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// builtCLI builds this command once per test run and returns its path.
var builtCLI = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "teomq-cli")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "teomq")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// Ctrl+C on `teomq request` waiting for a command nobody serves withdraws
// the request: it leaves the queue, and a consumer that comes later never
// gets it.
func TestInterruptedRequestLeavesTheQueue(t *testing.T) {
	bin, err := builtCLI()
	if err != nil {
		t.Fatal(err)
	}
	stored := make(chan teomq.PublishInfo, 4)
	config := t.TempDir()
	b, err := teomq.NewBroker(teomq.BrokerConfig{ConfigDir: config, Listen: "127.0.0.1:0", Durability: teomq.DurabilityMemory,
		Logger: quietLogger(), OnPublish: func(p teomq.PublishInfo) { stored <- p }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	cmd := exec.Command(bin, "request", "-config", config, "-broker", b.Endpoint(), "-timeout", "1m", "unserved", "abandoned")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // owned by the test: ends with the process
	defer cmd.Process.Kill()
	select {
	case <-stored:
	case err := <-exited:
		t.Fatalf("teomq request exited (%v) before its request was stored: %s", err, out.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("the request was not stored: %s", out.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("teomq request did not exit on SIGINT: %s", out.String())
	}
	for deadline := time.Now().Add(5 * time.Second); b.QueueLen("unserved") != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the interrupted request is still queued: %s", out.String())
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := teomq.Connect(ctx, b.Endpoint(), teomq.WithName("later"), teomq.WithConfigDir(config), teomq.WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := make(chan string, 4)
	if _, err := c.Subscribe("unserved", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		got <- string(m.Data)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, "unserved", []byte("marker")); err != nil {
		t.Fatal(err)
	}
	select {
	case first := <-got:
		if first != "marker" {
			t.Fatalf("the later consumer got %q first, want the marker: the interrupted request was delivered", first)
		}
	case <-ctx.Done():
		t.Fatal("the later consumer got nothing")
	}
}

// quietLogger discards the library's logs.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
