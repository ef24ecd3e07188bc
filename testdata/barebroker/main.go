// Command barebroker starts brokers in a program that links neither the
// disk store nor the metrics package, and prints what a user of such a
// program sees, one "key: value" line each. TestBareBroker runs it.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/teonet-go/teomq"
)

func main() {
	dir, err := os.MkdirTemp("", "teomq-barebroker")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
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
}
