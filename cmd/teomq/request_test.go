package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

func TestRequestPrintsTheAnswer(t *testing.T) {
	addr, config := cliBroker(t)
	consumed := make(chan error, 1)
	var out syncBuffer
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		consumed <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &syncBuffer{}},
			[]string{"consume", "-config", config, "-broker", addr, "-n", "1", "-answer", "42 servers", "num_servers"})
	}()
	got, _, err := cli(t, "", "request", "-config", config, "-broker", addr, "-timeout", "15s", "num_servers", "how many?")
	if err != nil {
		t.Fatal(err)
	}
	if got != "42 servers\n" {
		t.Fatalf("request printed %q", got)
	}
	if err := <-consumed; err != nil {
		t.Fatalf("consume: %v", err)
	}
	if !strings.HasPrefix(out.String(), "num_servers ") || !strings.HasSuffix(out.String(), " how many?\n") {
		t.Fatalf("consume printed %q", out.String())
	}
}

func TestRequestTimesOut(t *testing.T) {
	addr, config := cliBroker(t)
	_, _, err := cli(t, "", "request", "-config", config, "-broker", addr, "-timeout", "200ms", "nobody_home")
	if !errors.Is(err, teomq.ErrTimeout) {
		t.Fatalf("request without consumer: %v, want a timeout", err)
	}
	if errors.Is(err, errUsage) {
		t.Fatal("a timeout is not a usage error")
	}
}
