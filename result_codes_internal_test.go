package teomq

import (
	"errors"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// Every result the router gives a producer reaches it as the error a user
// checks for.
func TestResultCodesMapToTheirErrors(t *testing.T) {
	tests := []struct {
		code router.ResultCode
		want error // nil: an answer
	}{
		{router.ResultOK, nil},
		{router.ResultTimeout, ErrTimeout},
		{router.ResultDeadLetter, ErrDeadLetter},
		{router.ResultNoAnswerGroup, ErrNoAnswerGroup},
		{router.ResultPurged, ErrPurged},
		{router.ResultCancelled, ErrCancelled},
	}
	for _, tc := range tests {
		wc := resultWireCode(tc.code)
		if tc.want == nil {
			if wc != wire.CodeOK {
				t.Errorf("result %d: wire code %v, want OK", tc.code, wc)
			}
			continue
		}
		if err := brokerError(wc, ""); !errors.Is(err, tc.want) {
			t.Errorf("result %d: wire code %v is %v, want %v", tc.code, wc, err, tc.want)
		}
		if back := routerResultCode(storeResultCode(tc.code)); back != tc.code {
			t.Errorf("result %d stored and restored as %d", tc.code, back)
		}
	}
	if resultWireCode(router.ResultRemoteError) != wire.CodeRemoteError {
		t.Error("a handler's error is not CodeRemoteError on the wire")
	}
}

// Every code the protocol defines reaches a user as its own Code, and
// every Code stands for one wire code: the mapping is one to one both
// ways, and a code a newer broker sends is CodeUnknown.
func TestWireCodesMapToCodesOneToOne(t *testing.T) {
	seen := make(map[Code]wire.Code)
	for w := wire.CodeOK + 1; w <= wire.CodeDiskBudget; w++ {
		c := publicCode(w)
		if c == CodeUnknown {
			t.Errorf("wire code %v has no Code", w)
			continue
		}
		if prev, dup := seen[c]; dup {
			t.Errorf("wire codes %v and %v both map to %v", prev, w, c)
		}
		seen[c] = w
		if wireCodes[c] != w {
			t.Errorf("Code %v stands for wire code %v, but %v maps to it", c, wireCodes[c], w)
		}
	}
	for c := CodeUnknown + 1; int(c) < len(codeNames); c++ {
		if _, ok := seen[c]; !ok {
			t.Errorf("no wire code maps to %v", c)
		}
	}
	if c := publicCode(wire.CodeDiskBudget + 1); c != CodeUnknown {
		t.Errorf("a wire code this version does not know is %v, want CodeUnknown", c)
	}
}

// A Code's String is its name, which a BrokerError's text carries.
func TestCodeString(t *testing.T) {
	for c := CodeUnknown; int(c) < len(codeNames); c++ {
		if s := c.String(); s == "" || strings.HasPrefix(s, "Code(") {
			t.Errorf("code %d has no name", uint16(c))
		}
	}
	if s := Code(len(codeNames)).String(); s != "Code(24)" {
		t.Errorf("Code past the constants is %q, want Code(24)", s)
	}
	err := brokerError(wire.CodeQueueFull, "1000000 pending")
	if got, want := err.Error(), "teomq: broker: queue full: 1000000 pending"; got != want {
		t.Errorf("BrokerError text %q, want %q", got, want)
	}
	if err.Code != CodeQueueFull || !errors.Is(err, ErrQueueFull) {
		t.Errorf("a queue-full refusal is %+v, want CodeQueueFull matching ErrQueueFull", err)
	}
}
