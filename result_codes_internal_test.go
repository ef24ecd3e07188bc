package teomq

import (
	"errors"
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
		if err := (&BrokerError{Code: wc}); !errors.Is(err, tc.want) {
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
