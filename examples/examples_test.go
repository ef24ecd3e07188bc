package examples_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// brokerFlags are the flags of a test broker: loopback, its own port and
// config dir.
func brokerFlags(config string) []string {
	return []string{"-config", config, "-listen", "127.0.0.1:0"}
}

func TestBasicFlow(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	broker := start(t, "basic-broker", brokerFlags(config)...)
	addr := broker.address()

	consumer := start(t, "basic-consumer", "-config", config, "-broker", addr)
	consumer.address()
	producer := start(t, "basic-producer", "-config", config, "-broker", addr, "-delay", "20000")
	producer.address()
	producer.waitFor(`recv answer id \S+: Hello world #1 \(`)
	broker.waitFor(`got message \S+ from \S+: default/Hello world #\d+, queue length: \d+`)

	// Ctrl+C on the consumer: the broker keeps queueing.
	if err := consumer.interrupt(); err != nil {
		t.Fatalf("consumer exit on SIGINT: %v", err)
	}
	m := broker.waitFor(`Hello world #(\d+), queue length: ([3-9]|\d\d+)$`)
	queuedFrom, _ := strconv.Atoi(m[1])

	// A restarted consumer drains the queue; the producer gets the answers.
	consumer = start(t, "basic-consumer", "-config", config, "-broker", addr)
	consumer.address()
	producer.waitFor(`recv answer id \S+: Hello world #` + strconv.Itoa(queuedFrom) + ` \(`)
	if err := producer.interrupt(); err != nil {
		t.Fatalf("producer exit on SIGINT: %v", err)
	}
	if err := broker.interrupt(); err != nil {
		t.Fatalf("broker exit on SIGINT: %v", err)
	}
}

func TestCommandFlow(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	broker := start(t, "command-broker", brokerFlags(config)...)
	addr := broker.address()
	consumer := start(t, "command-consumer", "-config", config, "-broker", addr)
	consumer.waitFor(`version/\{data\}`)
	producer := start(t, "command-producer", "-config", config, "-broker", addr, "-delay", "50000")
	producer.waitFor(`recv answer id \S+: version: 0\.0\.2, data: some_data$`)
	consumer.waitFor(`got command version from \S+: some_data`)
}

func TestUsersServersFlow(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	broker := start(t, "us-broker", brokerFlags(config)...)
	addr := broker.address()
	consumer := start(t, "us-consumer", "-config", config, "-broker", addr)
	consumer.address()
	p1 := start(t, "us-producer", "-config", config, "-broker", addr, "-name=producer-1", "-command=num_servers", "-delay", "50000")
	p2 := start(t, "us-producer", "-config", config, "-broker", addr, "-name=producer-2", "-command=num_players", "-delay", "50000")
	a1, a2 := p1.address(), p2.address()
	if a1 == a2 {
		t.Fatalf("producers with different -name share address %s", a1)
	}
	for _, cmd := range []string{"num_servers", "num_players"} {
		m := consumer.waitFor(cmd + ` = (\d+) \(from (\S+)\)`)
		v, _ := strconv.Atoi(m[1])
		if v < 1 || v > 100 {
			t.Fatalf("%s = %d, want 1..100", cmd, v)
		}
	}
	// The consumer answers version, which the web page's button asks.
	asker := start(t, "teomq", "request", "-config", config, "-broker", addr, "version")
	asker.waitFor(`^users_servers consumer 0\.0\.2$`)
	consumer.waitFor(`version asked by \S+`)
}

func TestSameNameTwiceIsRefused(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	broker := start(t, "us-broker", brokerFlags(config)...)
	addr := broker.address()
	first := start(t, "us-consumer", "-config", config, "-broker", addr, "-name", "twin")
	first.address()
	second := start(t, "us-consumer", "-config", config, "-broker", addr, "-name", "twin")
	second.waitFor(`in use.*-name`)
	if err := second.wait(); err == nil {
		t.Fatal("second process with the same -name exited 0")
	}
	if !regexp.MustCompile(`twin`).MatchString(second.output()) {
		t.Fatalf("error does not name the identity: %s", second.output())
	}
	if strings.Contains(first.output(), "in use") {
		t.Fatal("the first process was disturbed")
	}
}
