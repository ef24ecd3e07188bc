package fdlimit_test

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/teonet-go/teomq/internal/fdlimit"
)

const testTimeout = 10 * time.Second

// TestBudgetListener: connections past the budget are closed at once and
// counted; once an admitted one closes, a new one is admitted again.
func TestBudgetListener(t *testing.T) {
	b, err := fdlimit.NewBudget(10, 8, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := b.Listener(inner)
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 10)
	go func() { // owned by the test; ends when ln closes
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", ln.Addr().String(), testTimeout)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	admit := func() net.Conn {
		t.Helper()
		dial()
		select {
		case c := <-accepted:
			t.Cleanup(func() { c.Close() })
			return c
		case <-time.After(testTimeout):
			t.Fatal("connection within the budget not accepted")
			return nil
		}
	}
	first := admit()
	admit()
	refused := dial()
	refused.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := refused.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("connection past the budget: read %v, want EOF", err)
	}
	if b.InUse() != 2 || b.Refused() != 1 || b.Capacity() != 2 {
		t.Fatalf("in use %d, refused %d, capacity %d; want 2, 1, 2", b.InUse(), b.Refused(), b.Capacity())
	}
	first.Close()
	first.Close() // a second Close gives nothing back twice
	if b.InUse() != 1 {
		t.Fatalf("in use %d after a close, want 1", b.InUse())
	}
	admit()
}

func TestNewBudget(t *testing.T) {
	tests := []struct {
		name           string
		limit, reserve int
		wantCap        int
		wantErr        error
	}{
		{"default reserve, small limit", 256, 0, 128, nil},
		{"default reserve, large limit", 8000, 0, 7000, nil},
		{"explicit reserve", 1024, 24, 1000, nil},
		{"unknown limit", 0, 0, 0, nil},
		{"reserve over the limit", 100, 0, 0, fdlimit.ErrNoBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := fdlimit.NewBudget(tt.limit, tt.reserve, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err == nil && b.Capacity() != tt.wantCap {
				t.Fatalf("capacity %d, want %d", b.Capacity(), tt.wantCap)
			}
		})
	}
}

// An unknown limit refuses nothing but still counts.
func TestBudgetUnlimited(t *testing.T) {
	b, _ := fdlimit.NewBudget(0, 0, nil)
	for range 1000 {
		if !b.TryAcquire() {
			t.Fatal("refused without a limit")
		}
	}
	if b.InUse() != 1000 {
		t.Fatalf("in use %d, want 1000", b.InUse())
	}
}
