package wire

import "strconv"

// codeNames holds each code's name, indexed by Code.
var codeNames = [...]string{
	CodeOK:           "ok",
	CodeQueueFull:    "queue full",
	CodeTooLarge:     "message too large",
	CodeBadCommand:   "bad command name",
	CodeStoreFailed:  "store failed",
	CodeRemoteError:  "remote error",
	CodeTimeout:      "timeout",
	CodeDeadLetter:   "dead letter",
	CodeMalformed:    "malformed frame",
	CodeUnknownType:  "unknown frame type",
	CodeBadVersion:   "unsupported protocol version",
	CodeUnknownID:    "unknown message id",
	CodeStaleAttempt: "stale attempt",
	CodeShutdown:     "shutting down",
	CodeForbidden:    "forbidden",

	CodeStoreUnavailable: "store unavailable",
	CodeIDInUse:          "message id in use by another producer",
	CodeNoAnswerGroup:    "no such answer group",
	CodeNotFound:         "not found",
	CodeInUse:            "in use",
	CodeUnknownOp:        "unknown operator request",
	CodePurged:           "purged",
	CodeCancelled:        "cancelled by the producer",
	CodeDiskBudget:       "disk budget",
}

// String returns the code's name, or "Code(n)" for a code this version does
// not define.
func (c Code) String() string {
	if int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}
