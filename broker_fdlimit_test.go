//go:build linux

package teomq_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// fdChildEnv, when set, makes TestBrokerDescriptorReserve run the broker
// side: a broker under a lowered open-files limit, its data and identity
// in the directory the variable names.
const fdChildEnv = "TEOMQ_TEST_FD_CHILD"

// fdChildLimit is the open-files limit of the child broker: peers get
// 256 less the default reserve of 128.
const fdChildLimit = 256

// TestBrokerDescriptorReserve reproduces descriptor exhaustion: a broker
// with a low open-files limit, in a child process, gets idle HTTP
// connections until it refuses one. Then new peers are refused cleanly,
// a producer and consumer connected before keep getting answers, /healthz
// stays 200 (the store has descriptors), and once the idle connections
// close new peers connect again, without a restart.
func TestBrokerDescriptorReserve(t *testing.T) {
	if dir := os.Getenv(fdChildEnv); dir != "" {
		runDescriptorChild(t, dir)
		return
	}
	child := startDescriptorChild(t)
	endpoint, httpAddr := child.endpoint, child.httpAddr

	consumer := connectTo(t, endpoint, "consumer", time.Minute)
	if _, err := consumer.Subscribe("echo", echo); err != nil {
		t.Fatal(err)
	}
	producer := connectTo(t, endpoint, "producer", time.Minute)
	requestEcho(t, producer, "before")

	var idle []*idleHTTP
	t.Cleanup(func() {
		for _, c := range idle {
			c.conn.Close()
		}
	})
	refused := false
	for range 2 * fdChildLimit {
		c, ok := dialIdleHTTP(t, httpAddr)
		if !ok {
			refused = true
			break
		}
		idle = append(idle, c)
	}
	if !refused {
		t.Fatalf("%d idle connections admitted under a limit of %d descriptors", len(idle), fdChildLimit)
	}
	t.Logf("%d idle HTTP connections admitted before one was refused", len(idle))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	if c, err := teomq.Connect(ctx, endpoint, teomq.WithName("late"), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger())); err == nil {
		c.Close()
		t.Fatal("a new peer connected with the descriptor budget spent")
	}
	cancel()
	for i := range 3 {
		requestEcho(t, producer, fmt.Sprint("during ", i))
	}
	if code := idle[0].get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz %d with the descriptor budget spent, want 200", code)
	}
	if !strings.Contains(child.logs(), "descriptor reserve reached") {
		t.Errorf("no log line says the descriptor reserve was reached; logs:\n%s", child.logs())
	}

	for _, c := range idle {
		c.conn.Close()
	}
	late := connectTo(t, endpoint, "late", 10*time.Second)
	if _, err := late.Subscribe("late", echo); err != nil {
		t.Fatal(err)
	}
	requestEcho(t, producer, "after")
	if c, ok := dialIdleHTTP(t, httpAddr); !ok {
		t.Fatal("HTTP connection refused after the idle ones closed")
	} else {
		c.conn.Close()
	}
}

// connectTo connects a client named name to endpoint within d.
func connectTo(t *testing.T, endpoint, name string, d time.Duration) *teomq.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	c, err := teomq.Connect(ctx, endpoint, teomq.WithName(name), teomq.WithConfigDir(t.TempDir()), teomq.WithLogger(testLogger()))
	if err != nil {
		t.Fatalf("Connect %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// requestEcho makes one request of the "echo" consumer and checks the
// answer.
func requestEcho(t *testing.T, c *teomq.Client, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ans, err := c.Request(ctx, "echo", []byte(data))
	if err != nil {
		t.Fatalf("request %q: %v", data, err)
	}
	if string(ans.Data) != data {
		t.Fatalf("request %q answered %q", data, ans.Data)
	}
}

// idleHTTP is a kept-alive HTTP connection to the broker.
type idleHTTP struct {
	conn net.Conn
	br   *bufio.Reader
}

// dialIdleHTTP opens a connection to the broker's HTTP port and makes one
// request on it, which leaves it idle and kept alive. It reports false if
// the broker closed the connection instead of answering.
func dialIdleHTTP(t *testing.T, addr string) (*idleHTTP, bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial HTTP: %v", err)
	}
	c := &idleHTTP{conn: conn, br: bufio.NewReader(conn)}
	code, err := c.request("/healthz")
	switch {
	case err == nil:
		if code != http.StatusOK {
			t.Fatalf("/healthz %d, want 200", code)
		}
		return c, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		conn.Close()
		return nil, false
	}
	conn.Close()
	t.Fatalf("HTTP connection neither answered nor closed: %v", err)
	return nil, false
}

// get makes a request on the kept-alive connection and returns its status.
func (c *idleHTTP) get(t *testing.T, path string) int {
	t.Helper()
	code, err := c.request(path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return code
}

func (c *idleHTTP) request(path string) (int, error) {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c.conn, "GET %s HTTP/1.1\r\nHost: broker\r\n\r\n", path); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// descriptorChild is the broker process of TestBrokerDescriptorReserve.
type descriptorChild struct {
	endpoint, httpAddr string

	mu     sync.Mutex // guards stderr
	stderr bytes.Buffer
}

func (c *descriptorChild) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.Write(p)
}

// logs returns what the child logged so far.
func (c *descriptorChild) logs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// startDescriptorChild runs this test in a child process as the broker
// side, and returns once the broker listens. The child stops when the
// test ends.
func startDescriptorChild(t *testing.T) *descriptorChild {
	t.Helper()
	child := &descriptorChild{}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBrokerDescriptorReserve$", "-test.count=1")
	cmd.Env = append(os.Environ(), fdChildEnv+"="+t.TempDir())
	cmd.Stderr = child
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the child exits
	t.Cleanup(func() {
		stdin.Close() // the child closes its broker and exits
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("broker process: %v; logs:\n%s", err, child.logs())
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("broker process did not exit; logs:\n%s", child.logs())
		}
	})
	ready := make(chan error, 1)
	go func() { // ends at the child's ready line or end of output
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, err := fmt.Sscanf(sc.Text(), "broker %s %s", &child.endpoint, &child.httpAddr); err == nil {
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("broker process ended its output before it listened: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%v; logs:\n%s", err, child.logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("broker process not listening after 30s; logs:\n%s", child.logs())
	}
	return child
}

// runDescriptorChild is the child side: it lowers the open-files limit,
// starts a broker on the pebble store, prints "broker ENDPOINT HTTPADDR"
// and serves until its standard input closes.
func runDescriptorChild(t *testing.T, dir string) {
	lim := syscall.Rlimit{Cur: fdChildLimit, Max: fdChildLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("lower RLIMIT_NOFILE: %v", err)
	}
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  dir,
		Listen:     "127.0.0.1:0",
		HTTP:       "127.0.0.1:0",
		Durability: teomq.DurabilitySync,
		Logger:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		t.Fatalf("NewBroker: %v", err)
	}
	fmt.Printf("broker %s %s\n", b.Endpoint(), b.HTTPAddr())
	io.Copy(io.Discard, os.Stdin)
	if err := b.Health(); err != nil {
		t.Errorf("store failed: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
