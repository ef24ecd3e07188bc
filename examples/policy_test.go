package examples_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/teonet"
)

// The users_servers flow under its example config file
// (examples/users_servers/teomq.toml, with the programs' real addresses in
// place of its placeholders): the producers send, the terminal consumer
// gets the values, and a program the file does not name may not read them.
func TestUsersServersFlowUnderItsConfigFile(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	addrs := make(map[string]string)
	for _, name := range []string{"producer-1", "producer-2", "teomqconsumer"} {
		addrs[name] = identityAddress(t, config, name)
	}
	src, err := os.ReadFile("users_servers/teomq.toml")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer(
		"ReplaceWithProducer1Address00000000", addrs["producer-1"],
		"ReplaceWithProducer2Address00000000", addrs["producer-2"],
		"ReplaceWithConsumerAddress000000000", addrs["teomqconsumer"],
	).Replace(string(src))
	path := filepath.Join(t.TempDir(), "teomq.toml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	broker := start(t, "teomq", "broker", "-conf", path, "-config", config,
		"-listen", "127.0.0.1:0", "-http", "127.0.0.1:0", "-durability", "memory")
	addr := broker.address()
	consumer := start(t, "us-consumer", "-config", config, "-broker", addr)
	consumer.address()
	start(t, "us-producer", "-config", config, "-broker", addr, "-name=producer-1", "-command=num_servers", "-delay", "50000")
	start(t, "us-producer", "-config", config, "-broker", addr, "-name=producer-2", "-command=num_players", "-delay", "50000")
	consumer.waitFor(`num_servers = \d+ \(from ` + addrs["producer-1"] + `\)`)
	consumer.waitFor(`num_players = \d+ \(from ` + addrs["producer-2"] + `\)`)
	// Programs on this machine may ask version, which the consumer answers.
	asker := start(t, "teomq", "request", "-config", config, "-broker", addr, "version")
	asker.waitFor(`^users_servers consumer 0\.0\.2$`)

	spy := start(t, "us-consumer", "-config", config, "-broker", addr, "-name=spy")
	spy.waitFor(`subscribe: .*forbidden.*may not consume "num_servers"`)
	if err := spy.wait(); err == nil {
		t.Fatal("a consumer the file does not name subscribed")
	}
}

// identityAddress creates the identity name in config, as the example
// programs do on their first run, and returns its address.
func identityAddress(t *testing.T, config, name string) string {
	t.Helper()
	n, err := teonet.New(teonet.Config{Name: name, ConfigDir: config, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	return n.Address()
}
