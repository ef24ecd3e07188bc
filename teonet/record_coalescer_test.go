package teonet

import (
	"bytes"
	"net"
	"testing"
)

// writeLog is a connection that records each Write it gets.
type writeLog struct {
	net.Conn
	writes [][]byte
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

// The records of a held batch reach the connection in one write, in
// order; outside a batch each record is written through at once.
func TestRecordCoalescerWritesBatchOnce(t *testing.T) {
	log := &writeLog{}
	c := &recordCoalescer{Conn: log}
	c.Write([]byte("alert"))
	c.hold()
	for _, r := range []string{"one", "two", "three"} {
		c.Write([]byte(r))
	}
	if len(log.writes) != 1 {
		t.Fatalf("%d writes while holding a batch, want only the one before it", len(log.writes))
	}
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("after"))
	want := []string{"alert", "onetwothree", "after"}
	if len(log.writes) != len(want) {
		t.Fatalf("writes %q, want %q", log.writes, want)
	}
	for i, w := range want {
		if string(log.writes[i]) != w {
			t.Fatalf("writes %q, want %q", log.writes, want)
		}
	}
}
