package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// statBroker starts a broker in the test's process, so that the test can
// compare with Broker.Stats, and returns it with its config dir.
func statBroker(t *testing.T) (*teomq.Broker, string) {
	t.Helper()
	config := t.TempDir()
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		Name: "broker", ConfigDir: config, Listen: "127.0.0.1:0",
		Durability: teomq.DurabilityMemory, Logger: quietLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, config
}

// busyJobs subscribes a consumer that holds what it gets and sends three
// messages to "jobs": one in flight, two pending.
func busyJobs(t *testing.T, b *teomq.Broker, config string) {
	t.Helper()
	cons := goClient(t, b.Endpoint(), config, "worker")
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	if _, err := cons.Subscribe("jobs", func(context.Context, *teomq.Message) ([]byte, error) {
		<-hold
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	prod := goClient(t, b.Endpoint(), config, "producer")
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := prod.Send(ctx, "jobs", []byte("x"))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.Stats().InFlight != 1 {
		if time.Now().After(deadline) {
			t.Fatal("no delivery")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStatJSONMatchesBrokerStats(t *testing.T) {
	b, config := statBroker(t)
	busyJobs(t, b, config)
	want := b.Stats()
	out, _, err := cli(t, "", "stat", "-config", config, "-broker", b.Endpoint(), "-json")
	if err != nil {
		t.Fatal(err)
	}
	var got statSample
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stat -json: %v\n%s", err, out)
	}
	want.Connections++ // stat's own connection
	if got.Broker != want {
		t.Fatalf("stat -json broker = %+v\nBroker.Stats       = %+v", got.Broker, want)
	}
	if got.Total != 1 || len(got.Commands) != 1 {
		t.Fatalf("commands %+v", got.Commands)
	}
	if c := got.Commands[0]; c.Name != "jobs" || c.Pending != 2 || c.InFlight != 1 || c.Messages != b.QueueLen("jobs") || c.Subscribers != 1 || c.Published != 3 {
		t.Fatalf("jobs = %+v", c)
	}
}

func TestStatTable(t *testing.T) {
	b, config := statBroker(t)
	busyJobs(t, b, config)
	out, _, err := cli(t, "", "stat", "-config", config, "-broker", b.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "connections 3  commands 1  groups 1  subscribers 1  pending 2  in flight 1  dead 0") {
		t.Fatalf("stat header:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^COMMAND +PENDING +IN FLIGHT +DEAD +SUBS +GROUPS\njobs +2 +1 +0 +1 +default\(1\)$`).MatchString(out) {
		t.Fatalf("stat table:\n%s", out)
	}
}

// With -w, stat refreshes and adds the rates between refreshes.
func TestStatWatchShowsRates(t *testing.T) {
	b, config := statBroker(t)
	busyJobs(t, b, config)
	out := &syncBuffer{}
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() { // owned by the test; ends after two refreshes or with ctx
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: out, stderr: &syncBuffer{}},
			[]string{"stat", "-config", config, "-broker", b.Endpoint(), "-w", "-n", "2", "-interval", "2s"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "PUB/S") {
		if time.Now().After(deadline) {
			t.Fatalf("no first refresh: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	prod := goClient(t, b.Endpoint(), config, "producer2")
	for range 4 {
		if _, err := prod.Send(ctx, "jobs", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := recv(t, done, "stat -w -n 2 to end"); err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^jobs +\d+ +\d+ +\d+ +\d+ +(\S+) +(\S+) +default`).FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 2 || rows[0][1] != "-" {
		t.Fatalf("stat -w printed %d rows, want 2, the first without rates:\n%s", len(rows), out.String())
	}
	pub, err := strconv.ParseFloat(rows[1][1], 64)
	if err != nil || pub <= 0 || pub > 4 {
		t.Fatalf("publish rate %q after 4 publishes in about 2s:\n%s", rows[1][1], out.String())
	}
}
