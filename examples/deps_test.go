package examples_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// brokerOnly are the module paths that only a broker program may link:
// the disk store's engine, the Prometheus client and the NATS client of
// the cluster engine.
var brokerOnly = []string{
	"github.com/nats-io/nats.go",
	"github.com/teonet-go/teomq/cluster",
	"github.com/cockroachdb/pebble",
	"github.com/teonet-go/teomq/store/pebblestore",
	"github.com/prometheus/client_golang",
	"github.com/teonet-go/teomq/metrics",
}

// deps returns the packages pkg links, by go list -deps.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", pkg)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// brokerDeps returns the packages of list under brokerOnly.
func brokerDeps(list []string) []string {
	var found []string
	for _, p := range list {
		if slices.ContainsFunc(brokerOnly, func(prefix string) bool { return strings.HasPrefix(p, prefix) }) {
			found = append(found, p)
		}
	}
	return found
}

// A program that only connects to a broker (every example but the
// brokers) links neither the disk store nor the Prometheus client; the
// example brokers link both.
func TestClientProgramsLinkNoBrokerPackages(t *testing.T) {
	for name, pkg := range builtPrograms {
		broker := strings.HasSuffix(name, "-broker") || name == "teomq"
		found := brokerDeps(deps(t, pkg))
		switch {
		case !broker && len(found) > 0:
			t.Errorf("%s (%s) links %d broker-only packages: %s ...", name, pkg, len(found), strings.Join(found[:min(len(found), 5)], " "))
		case broker && !slices.ContainsFunc(found, func(p string) bool { return strings.HasSuffix(p, "/pebblestore") }):
			t.Errorf("broker %s (%s) does not link the pebble store", name, pkg)
		case broker && !slices.ContainsFunc(found, func(p string) bool { return strings.HasSuffix(p, "teomq/metrics") }):
			t.Errorf("broker %s (%s) does not link the metrics package", name, pkg)
		}
	}
}
