// Command barebroker starts brokers in a program that links neither the
// disk store, the cluster engine nor the metrics package, and prints what a user of such a
// program sees, one "key: value" line each. The TestBareBroker tests run it.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/internal/logbuf"
)

func main() {
	if err := run(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "teomq-barebroker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err = teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  dir,
		Listen:     "127.0.0.1:0",
		Durability: teomq.DurabilitySync,
		Logger:     quiet,
	})
	fmt.Println("sync is ErrNoDiskStore:", errors.Is(err, teomq.ErrNoDiskStore))
	fmt.Println("sync error:", err)
	left, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fmt.Println("files left by the refused broker:", len(left))

	_, err = teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir: dir,
		Listen:    "127.0.0.1:0",
		Cluster:   []string{"nats://127.0.0.1:4222"},
		Logger:    quiet,
	})
	fmt.Println("cluster is ErrNoClusterEngine:", errors.Is(err, teomq.ErrNoClusterEngine))
	fmt.Println("cluster error:", err)
	if left, err = os.ReadDir(dir); err != nil {
		return err
	}
	fmt.Println("files left by the refused cluster broker:", len(left))

	var logs logbuf.Buffer
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		ConfigDir:  dir,
		Listen:     "127.0.0.1:0",
		HTTP:       "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		return err
	}
	defer b.Close()
	base := "http://" + b.HTTPAddr().String()
	for range 2 {
		status, body, err := get(base + "/metrics")
		if err != nil {
			return err
		}
		fmt.Println("metrics status:", status)
		fmt.Println("metrics body:", strings.TrimSuffix(body, "\n"))
	}
	status, _, err := get(base + "/healthz")
	if err != nil {
		return err
	}
	fmt.Println("healthz status:", status)
	fmt.Println("metrics off logged:", strings.Count(logs.String(), "/metrics is off"))
	return nil
}

// get returns the status code and body of a GET of url.
func get(url string) (int, string, error) {
	res, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}
