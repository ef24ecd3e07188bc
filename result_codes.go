package teomq

import (
	"github.com/teonet-go/teomq/router"
	"github.com/teonet-go/teomq/wire"
)

// resultWireCode is the wire code of a request's result from the router.
// The router's codes are its own; this is the one place they meet the
// protocol's.
func resultWireCode(c router.ResultCode) wire.Code {
	switch c {
	case router.ResultOK:
		return wire.CodeOK
	case router.ResultRemoteError:
		return wire.CodeRemoteError
	case router.ResultTimeout:
		return wire.CodeTimeout
	case router.ResultDeadLetter:
		return wire.CodeDeadLetter
	case router.ResultNoAnswerGroup:
		return wire.CodeNoAnswerGroup
	case router.ResultPurged:
		return wire.CodePurged
	case router.ResultCancelled:
		return wire.CodeCancelled
	}
	return wire.CodeMalformed
}

// The store keeps a result's router code as a number it does not read
// (store.Answer.Code); these two are the only conversions.

// storeResultCode is the stored form of a router result code.
func storeResultCode(c router.ResultCode) uint16 { return uint16(c) }

// routerResultCode is the router result code of a stored one.
func routerResultCode(c uint16) router.ResultCode { return router.ResultCode(c) }
