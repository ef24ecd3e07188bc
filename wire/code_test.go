package wire_test

import (
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
