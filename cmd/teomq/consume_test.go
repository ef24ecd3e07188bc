package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestConsumeEchoesByDefaultAndHonoursGroups(t *testing.T) {
	addr, config := cliBroker(t)
	// Two groups each get their own copy.
	outs := make([]*syncBuffer, 2)
	errOuts := make([]*syncBuffer, 2)
	done := make(chan error, 2)
	for i, g := range []string{"", "audit"} {
		outs[i], errOuts[i] = &syncBuffer{}, &syncBuffer{}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: outs[i], stderr: errOuts[i]},
				[]string{"consume", "-config", config, "-broker", addr, "-name", "c" + g, "-group", g, "-n", "1", "echo"})
		}()
	}
	for i := range errOuts {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(errOuts[i].String(), "Subscribed to echo") {
			if time.Now().After(deadline) {
				t.Fatalf("consumer %d did not subscribe: %s", i, errOuts[i].String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	got, _, err := cli(t, "", "request", "-config", config, "-broker", addr, "echo", "ping")
	if err != nil {
		t.Fatal(err)
	}
	if got != "ping\n" {
		t.Fatalf("default answer %q, want the echoed data", got)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, o := range outs {
		if !strings.HasSuffix(o.String(), " ping\n") {
			t.Fatalf("consumer %d printed %q", i, o.String())
		}
	}
}

func TestHelpSaysEverything(t *testing.T) {
	out, _, err := cli(t, "", "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help lacks %s", c.name)
		}
		sub, _, _ := cli(t, "", c.name, "-h")
		if !strings.Contains(sub, "Usage: teomq "+c.name) || c.name != "version" && !strings.Contains(sub, "-name") {
			t.Errorf("%s -h printed %q", c.name, sub)
		}
	}
	if _, _, err := cli(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}
