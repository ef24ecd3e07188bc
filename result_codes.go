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

// wireCodes pairs each Code with the wire code it stands for: the one
// place the protocol's codes meet the package's.
var wireCodes = [...]wire.Code{
	CodeQueueFull:        wire.CodeQueueFull,
	CodeTooLarge:         wire.CodeTooLarge,
	CodeBadName:          wire.CodeBadCommand,
	CodeStoreFailed:      wire.CodeStoreFailed,
	CodeStoreUnavailable: wire.CodeStoreUnavailable,
	CodeDiskBudget:       wire.CodeDiskBudget,
	CodeIDInUse:          wire.CodeIDInUse,
	CodeTimeout:          wire.CodeTimeout,
	CodeDeadLetter:       wire.CodeDeadLetter,
	CodeNoAnswerGroup:    wire.CodeNoAnswerGroup,
	CodePurged:           wire.CodePurged,
	CodeCancelled:        wire.CodeCancelled,
	CodeShutdown:         wire.CodeShutdown,
	CodeForbidden:        wire.CodeForbidden,
	CodeNotFound:         wire.CodeNotFound,
	CodeGroupInUse:       wire.CodeInUse,
	CodeRemoteError:      wire.CodeRemoteError,
	CodeMalformed:        wire.CodeMalformed,
	CodeUnknownType:      wire.CodeUnknownType,
	CodeBadVersion:       wire.CodeBadVersion,
	CodeUnknownID:        wire.CodeUnknownID,
	CodeStaleAttempt:     wire.CodeStaleAttempt,
	CodeUnknownOp:        wire.CodeUnknownOp,
}

// publicCode is the Code of a wire code other than CodeOK: CodeUnknown
// for one this version does not know.
func publicCode(w wire.Code) Code {
	for c, wc := range wireCodes {
		if wc == w && Code(c) != CodeUnknown {
			return Code(c)
		}
	}
	return CodeUnknown
}

// brokerError is the error of a frame the broker answered with wire code
// w (not CodeOK) and message msg.
func brokerError(w wire.Code, msg string) *BrokerError {
	return &BrokerError{Code: publicCode(w), Message: msg}
}

// The store keeps a result's router code as a number it does not read
// (store.Answer.Code); these two are the only conversions.

// storeResultCode is the stored form of a router result code.
func storeResultCode(c router.ResultCode) uint16 { return uint16(c) }

// routerResultCode is the router result code of a stored one.
func routerResultCode(c uint16) router.ResultCode { return router.ResultCode(c) }
