package wire_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

func TestCodeString(t *testing.T) {
	tests := []struct {
		code wire.Code
		want string
	}{
		{wire.CodeOK, "ok"},
		{wire.CodeQueueFull, "queue full"},
		{wire.CodeStaleAttempt, "stale attempt"},
		{wire.CodeForbidden, "forbidden"},
		{wire.CodeStoreUnavailable, "store unavailable"},
		{wire.CodeIDInUse, "message id in use by another producer"},
		{wire.CodeNoAnswerGroup, "no such answer group"},
		{wire.CodeNotFound, "not found"},
		{wire.CodeCancelled, "cancelled by the producer"},
		{wire.CodeDiskBudget, "disk budget"},
		{wire.CodeDiskBudget + 1, "Code(24)"},
		{65535, "Code(65535)"},
	}
	for _, tc := range tests {
		if got := tc.code.String(); got != tc.want {
			t.Errorf("Code(%d).String() = %q, want %q", uint16(tc.code), got, tc.want)
		}
	}
}

func TestEveryCodeHasAName(t *testing.T) {
	for c := wire.CodeOK; c <= wire.CodeDiskBudget; c++ {
		if s := c.String(); s == "" || s == fmt.Sprintf("Code(%d)", c) {
			t.Errorf("code %d has no name", uint16(c))
		}
	}
}

func TestCodeErr(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		want    wire.Code // CodeOK: want nil
		wantMsg string
	}{
		{"confirm ok", (&wire.Confirm{ID: id1}).Err(), wire.CodeOK, ""},
		{"confirm full", (&wire.Confirm{Code: wire.CodeQueueFull, Message: "1000000 pending"}).Err(), wire.CodeQueueFull, "queue full: 1000000 pending"},
		{"suback refused", (&wire.SubAck{Code: wire.CodeBadCommand}).Err(), wire.CodeBadCommand, "bad command name"},
		{"error frame", (&wire.Error{Code: wire.CodeShutdown, Fatal: true}).Err(), wire.CodeShutdown, "shutting down"},
		{"result reply", (&wire.Result{Data: []byte("reply")}).Err(), wire.CodeOK, ""},
		{"result remote", (&wire.Result{Code: wire.CodeRemoteError, Data: []byte("no such user")}).Err(), wire.CodeRemoteError, "remote error: no such user"},
		{"result timeout", (&wire.Result{Code: wire.CodeTimeout}).Err(), wire.CodeTimeout, "timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == wire.CodeOK {
				if tc.err != nil {
					t.Fatalf("Err() = %v, want nil", tc.err)
				}
				return
			}
			wrapped := fmt.Errorf("send: %w", tc.err)
			if !errors.Is(wrapped, &wire.CodeError{Code: tc.want}) {
				t.Fatalf("errors.Is(%v, code %v) = false", wrapped, tc.want)
			}
			if errors.Is(wrapped, &wire.CodeError{Code: tc.want + 1}) {
				t.Fatalf("errors.Is matched another code")
			}
			if errors.Is(wrapped, wire.ErrMalformed) {
				t.Fatalf("a remote code error matched a local sentinel")
			}
			var ce *wire.CodeError
			if !errors.As(wrapped, &ce) || ce.Code != tc.want {
				t.Fatalf("errors.As gave %+v", ce)
			}
			if got := tc.err.Error(); got != tc.wantMsg {
				t.Fatalf("Error() = %q, want %q", got, tc.wantMsg)
			}
		})
	}
}

func TestCodeErrorIsNilTarget(t *testing.T) {
	err := wire.CodeQueueFull.Err("")
	if errors.Is(err, (*wire.CodeError)(nil)) {
		t.Fatal("matched a nil *CodeError target")
	}
}
