package teomq_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// barePkg is a program that links neither the disk store, the cluster
// engine nor the metrics package, as a broker program that forgot their
// imports does.
const barePkg = "./testdata/barebroker"

// runBare runs barePkg and returns its "key: value" lines by key.
func runBare(t *testing.T) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "run", barePkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go run %s: %v\n%s", barePkg, err, out)
	}
	lines := make(map[string]string)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, ": ")
		lines[k] = v
	}
	return lines
}

// A broker program that links no disk store gets ErrNoDiskStore from
// NewBroker for a durability that needs the disk, and the error names the
// import to add.
func TestBareBrokerNeedsTheDiskStoreImport(t *testing.T) {
	got := runBare(t)
	if got["sync is ErrNoDiskStore"] != "true" {
		t.Fatalf("NewBroker in sync durability without a disk store: %q, want an error matching ErrNoDiskStore", got["sync error"])
	}
	if got["files left by the refused broker"] != "0" {
		t.Fatalf("the refused broker left %s files in its config dir, want none: it must refuse before creating its identity", got["files left by the refused broker"])
	}
	if want := `import _ "github.com/teonet-go/teomq/store/pebblestore"`; !strings.Contains(got["sync error"], want) {
		t.Fatalf("error %q does not name %s", got["sync error"], want)
	}
}

// A broker program that links no cluster engine gets ErrNoClusterEngine
// from NewBroker in cluster mode, before it creates anything, and the error
// names the import to add.
func TestBareBrokerNeedsTheClusterImport(t *testing.T) {
	got := runBare(t)
	if got["cluster is ErrNoClusterEngine"] != "true" {
		t.Fatalf("NewBroker with Cluster set and no cluster engine: %q, want an error matching ErrNoClusterEngine", got["cluster error"])
	}
	if got["files left by the refused cluster broker"] != "0" {
		t.Fatalf("the refused cluster broker left %s files in its config dir, want none", got["files left by the refused cluster broker"])
	}
	if want := `import _ "github.com/teonet-go/teomq/cluster"`; !strings.Contains(got["cluster error"], want) {
		t.Fatalf("error %q does not name %s", got["cluster error"], want)
	}
}

// A broker program that links no metrics package answers /metrics with a
// 404 whose one-line body names the import to add, logs once that metrics
// are off, and still serves /healthz.
func TestBareBrokerMetricsOff(t *testing.T) {
	got := runBare(t)
	if got["metrics status"] != "404" {
		t.Fatalf("GET /metrics: status %s, want 404", got["metrics status"])
	}
	if body := got["metrics body"]; !strings.Contains(body, `import _ "github.com/teonet-go/teomq/metrics"`) || strings.Contains(body, "\n") {
		t.Fatalf("GET /metrics body %q, want one line naming the metrics import", body)
	}
	if got["healthz status"] != "200" {
		t.Fatalf("GET /healthz: status %s, want 200", got["healthz status"])
	}
	if got["metrics off logged"] != "1" {
		t.Fatalf("the broker logged that metrics are off %s times, want once", got["metrics off logged"])
	}
}
