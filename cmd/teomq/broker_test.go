package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq/store"
)

// The broker prints the address and endpoint it serves on: a client that
// dials the printed endpoint reaches a broker of the printed address (the
// channel authenticates it). On cancel (SIGINT) it returns nil and stops
// listening.
func TestBrokerPrintsItsAddressAndStops(t *testing.T) {
	config := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { // owned by the test: ends on cancel
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: out, stderr: io.Discard},
			[]string{"broker", "-config", config, "-listen", "127.0.0.1:0", "-http", "", "-durability", "memory"})
	}()
	waitForText(t, out, "Endpoint: ")
	m := regexp.MustCompile(`Connected to Teonet, this app address: (\S+)\nEndpoint: (\S+)@(\S+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("broker printed %q, want its address and endpoint lines", out.String())
	}
	addr, endpointAddr, hostport := m[1], m[2], m[3]
	if endpointAddr != addr {
		t.Fatalf("the endpoint names %s, the address line %s", endpointAddr, addr)
	}
	c := goClient(t, addr+"@"+hostport, t.TempDir(), "printed-endpoint")
	sendCtx, sendCancel := context.WithTimeout(ctx, 10*time.Second)
	defer sendCancel()
	if _, err := c.Send(sendCtx, "ping", []byte("x")); err != nil {
		t.Fatalf("send through the printed endpoint: %v", err)
	}

	cancel()
	if err := recv(t, done, "the broker to stop"); err != nil {
		t.Fatalf("broker stopped with %v, want nil", err)
	}
	if conn, err := net.Dial("tcp", hostport); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after the broker stopped", hostport)
	}
}

func TestBrokerFlagErrorsNameTheFlag(t *testing.T) {
	_, _, err := cli(t, "", "broker", "-config", t.TempDir(), "-listen", "127.0.0.1:0", "-durability", "fast")
	if err == nil || !strings.Contains(err.Error(), "-durability") {
		t.Fatalf("bad -durability: %v, want an error naming the flag", err)
	}
	_, _, err = cli(t, "", "broker", "-no-such-flag")
	if !errors.Is(err, errUsage) {
		t.Fatalf("unknown flag: %v, want a usage error", err)
	}
}

// A second broker on the data dir of a running one says who holds it.
func TestSecondBrokerOnADataDirNamesItsHolder(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, config := cliBroker(t, "-data", data, "-durability", "sync")
	_, _, err := cli(t, "", "broker", "-config", config, "-name", "second", "-listen", "127.0.0.1:0", "-http", "",
		"-data", data, "-durability", "sync")
	if !errors.Is(err, store.ErrDirInUse) {
		t.Fatalf("second broker: %v, want ErrDirInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, data) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("error %q should name the directory and the holding process", msg)
	}
}
