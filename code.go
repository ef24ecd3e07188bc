package teomq

import "strconv"

// Code says why the broker refused or failed an operation: the Code of a
// BrokerError. Each code matches one of the package's sentinel errors
// (CodeQueueFull: ErrQueueFull, ...), which is what callers usually test
// with errors.Is; the code tells apart what a sentinel groups (the
// protocol errors, which all match ErrProtocol).
type Code uint16

// Codes of BrokerError.
const (
	// CodeUnknown is a code this version of the package does not know:
	// the broker is newer.
	CodeUnknown          Code = iota
	CodeQueueFull             // ErrQueueFull
	CodeTooLarge              // ErrTooLarge
	CodeBadName               // ErrBadName
	CodeStoreFailed           // ErrStoreFailed
	CodeStoreUnavailable      // ErrStoreUnavailable
	CodeDiskBudget            // ErrDiskBudget
	CodeIDInUse               // ErrIDInUse
	CodeTimeout               // ErrTimeout
	CodeDeadLetter            // ErrDeadLetter
	CodeNoAnswerGroup         // ErrNoAnswerGroup
	CodePurged                // ErrPurged
	CodeCancelled             // ErrCancelled
	CodeShutdown              // ErrShutdown
	CodeForbidden             // ErrForbidden
	CodeNotFound              // ErrNotFound
	CodeGroupInUse            // ErrGroupInUse
	// CodeRemoteError is a consumer's error; Request returns it as a
	// *RemoteError instead.
	CodeRemoteError
	// The protocol errors, all matching ErrProtocol: a frame the broker
	// could not decode, of a type or protocol version it does not know,
	// an answer for a message not in flight or for an older delivery, an
	// operator request it does not know.
	CodeMalformed
	CodeUnknownType
	CodeBadVersion
	CodeUnknownID
	CodeStaleAttempt
	CodeUnknownOp
)

// codeNames holds each code's name, indexed by Code.
var codeNames = [...]string{
	CodeUnknown:          "unknown code",
	CodeQueueFull:        "queue full",
	CodeTooLarge:         "message too large",
	CodeBadName:          "bad command name",
	CodeStoreFailed:      "store failed",
	CodeStoreUnavailable: "store unavailable",
	CodeDiskBudget:       "disk budget",
	CodeIDInUse:          "message id in use by another producer",
	CodeTimeout:          "timeout",
	CodeDeadLetter:       "dead letter",
	CodeNoAnswerGroup:    "no such answer group",
	CodePurged:           "purged",
	CodeCancelled:        "cancelled by the producer",
	CodeShutdown:         "shutting down",
	CodeForbidden:        "forbidden",
	CodeNotFound:         "not found",
	CodeGroupInUse:       "in use",
	CodeRemoteError:      "remote error",
	CodeMalformed:        "malformed frame",
	CodeUnknownType:      "unknown frame type",
	CodeBadVersion:       "unsupported protocol version",
	CodeUnknownID:        "unknown message id",
	CodeStaleAttempt:     "stale attempt",
	CodeUnknownOp:        "unknown operator request",
}

// String returns the code's name ("queue full"), or "Code(n)" for a value
// that is none of the constants.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}
