package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq"
)

// A durable group whose consumer left holds a queue of -max-queue 3 full;
// "teomq stat" points at it, "groups ls" shows it, and "groups rm"
// deletes it, which lets publishes in again.
func TestGroupsRmUnblocksAFullQueue(t *testing.T) {
	addr, config := cliBroker(t, "-max-queue", "3")
	auditor := goClient(t, addr, config, "auditor")
	if _, err := auditor.Subscribe("jobs", echo, teomq.Group("audit")); err != nil {
		t.Fatal(err)
	}
	auditor.Close()
	worker := goClient(t, addr, config, "worker")
	if _, err := worker.Subscribe("jobs", echo); err != nil {
		t.Fatal(err)
	}
	b := against{t, addr, config}
	for range 3 {
		if _, err := b.run([]string{"request"}, "jobs", "x"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.run([]string{"send"}, "jobs", "one too many"); !errors.Is(err, teomq.ErrQueueFull) {
		t.Fatalf("send to the full queue: %v, want ErrQueueFull", err)
	}

	out, err := b.run([]string{"stat"})
	if err != nil || !strings.Contains(out, "audit(0) default(1)") ||
		!strings.Contains(out, "group audit of jobs has no consumer and holds 3 messages; delete it with: teomq groups rm jobs audit") {
		t.Fatalf("stat does not point at the abandoned group: %v\n%s", err, out)
	}
	out, err = b.run([]string{"groups", "ls"}, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	var auditRow, defaultRow []string
	for _, line := range strings.Split(out, "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 7 && f[1] == "audit":
			auditRow = f
		case len(f) == 7 && f[1] == "default":
			defaultRow = f
		}
	}
	if strings.Join(auditRow, " ") != "jobs audit durable 3 0 0 0" || strings.Join(defaultRow, " ") != "jobs default durable 0 0 0 1" ||
		!strings.Contains(out, worker.Address()+"  credit 1  outstanding 0") {
		t.Fatalf("groups ls jobs:\n%s", out)
	}

	if _, err := b.run([]string{"groups", "rm"}, "jobs", "audit"); !errors.Is(err, errNotConfirmed) {
		t.Fatalf("groups rm without -yes: %v, want it refused", err)
	}
	if _, err := b.run([]string{"groups", "rm"}, "-yes", "jobs", "default"); !errors.Is(err, teomq.ErrGroupInUse) {
		t.Fatalf("groups rm of a group with a consumer: %v, want ErrGroupInUse", err)
	}
	out, err = b.run([]string{"groups", "rm"}, "-yes", "jobs", "audit")
	if err != nil || out != "deleted group audit of jobs; acked the 3 messages it held\n" {
		t.Fatalf("groups rm: %v %q", err, out)
	}
	if _, err := b.run([]string{"send"}, "jobs", "fits again"); err != nil {
		t.Fatalf("send after groups rm: %v", err)
	}
	out, err = b.run([]string{"groups", "ls"}, "-json")
	var rows []struct {
		Command string `json:"command"`
		Name    string `json:"name"`
	}
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].Command != "jobs" || rows[0].Name != "" {
		t.Fatalf("groups ls -json after rm: %v\n%s", err, out)
	}
	if _, err := b.run([]string{"groups", "ls"}, "nope"); !errors.Is(err, teomq.ErrNotFound) {
		t.Fatalf("groups ls of an unknown command: %v, want ErrNotFound", err)
	}
}
