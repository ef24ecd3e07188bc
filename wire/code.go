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

// Err returns nil for CodeOK and otherwise a *CodeError with c and message.
func (c Code) Err(message string) error {
	if c == CodeOK {
		return nil
	}
	return &CodeError{Code: c, Message: message}
}

// CodeError is an error reported by the peer with a code: a refused publish
// or subscription, a failed request, a protocol error. It stands apart from
// the local errors of this package (ErrMalformed, ...), which say that a
// frame could not be decoded here; a CodeError with CodeMalformed says that
// the peer could not decode ours.
//
// errors.Is matches a CodeError with any *CodeError target of the same Code,
// whatever the messages:
//
//	errors.Is(err, &wire.CodeError{Code: wire.CodeQueueFull})
type CodeError struct {
	Code    Code
	Message string // the peer's detail; may be empty
}

// Error returns the code's name and the message, if any.
func (e *CodeError) Error() string {
	if e.Message == "" {
		return e.Code.String()
	}
	return e.Code.String() + ": " + e.Message
}

// Is reports whether target is a *CodeError with the same Code.
func (e *CodeError) Is(target error) bool {
	t, ok := target.(*CodeError)
	return ok && t != nil && t.Code == e.Code
}

// Err returns nil if the message was stored, or the refusal as a *CodeError.
func (c *Confirm) Err() error { return c.Code.Err(c.Message) }

// Err returns nil if the subscription change was registered, or the refusal
// as a *CodeError.
func (s *SubAck) Err() error { return s.Code.Err(s.Message) }

// Err returns the protocol error as a *CodeError, or nil for CodeOK.
func (e *Error) Err() error { return e.Code.Err(e.Message) }

// Err returns nil for a reply (CodeOK) and otherwise a *CodeError whose
// Message is Data: the handler's error text for CodeRemoteError, the
// broker's detail for the other codes.
func (r *Result) Err() error {
	if r.Code == CodeOK {
		return nil
	}
	return &CodeError{Code: r.Code, Message: string(r.Data)}
}
