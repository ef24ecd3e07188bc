package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// One-shot commands run with throwaway identities: twenty requests at once
// all get their answers, print nothing on stderr, and leave no identity in
// the config dir; neither do send and bench. consume keeps its name.
func TestOneShotCommandsRunAtOnceAndLeaveNoIdentity(t *testing.T) {
	addr, config := cliBroker(t)
	const n = 20
	consumed := make(chan error, 1)
	var consumeErr syncBuffer
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		consumed <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &syncBuffer{}, stderr: &consumeErr},
			[]string{"consume", "-config", config, "-broker", addr, "-name", "answers", "-n", fmt.Sprint(n), "-concurrency", "4", "ask"})
	}()
	waitForText(t, &consumeErr, "Subscribed to ask")

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, stderr, err := cli(t, "", "request", "ask", fmt.Sprint(i), "-broker", addr, "-config", config, "-timeout", "15s")
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			if out != fmt.Sprintf("%d\n", i) {
				t.Errorf("request %d printed %q", i, out)
			}
			if stderr != "" {
				t.Errorf("a successful request wrote to stderr: %q", stderr)
			}
		})
	}
	wg.Wait()
	if err := <-consumed; err != nil {
		t.Fatalf("consume: %v", err)
	}
	if _, _, err := cli(t, "", "send", "ask", "-broker", addr, "-config", config); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "bench", "send", "-msgs", "20", "-clients", "2", "-broker", addr, "-config", config); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(filepath.Join(config, "teonet"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := "answers peers teomq-broker"; strings.Join(names, " ") != want {
		t.Errorf("config dir holds %q, want only %q", names, want)
	}
}

// waitForText waits until buf holds text.
func waitForText(t *testing.T, buf *syncBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %q", text, buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
