package wire

import "strconv"

// Version is the protocol version written as the first byte of every frame.
// A frame with another version is refused with ErrVersion.
const Version = 1

// Type identifies a frame's kind; it is the second byte of every frame.
type Type uint8

// Frame types. Direction: P producer, C consumer, B broker.
const (
	TypePublish     Type = 1  // P->B: store a message in a command's queue
	TypeConfirm     Type = 2  // B->P: the message is stored (or refused, with a code)
	TypeSubscribe   Type = 3  // C->B: subscribe to a command in a group with credit
	TypeUnsubscribe Type = 4  // C->B: end a subscription
	TypeSubAck      Type = 5  // B->C: a subscribe or unsubscribe is registered (or refused)
	TypeDeliver     Type = 6  // B->C: a message handed to a subscription
	TypeAnswer      Type = 7  // C->B: the handler's result for a delivery (reply, error, retry)
	TypeResult      Type = 8  // B->P: the answer for a request, routed back by message ID
	TypeCredit      Type = 9  // C->B: set a subscription's credit
	TypeTouch       Type = 10 // C->B: extend the lease of a delivery in progress
	TypeError       Type = 11 // B->any: a protocol error, with a code and whether the channel survives
	TypePing        Type = 12 // any: liveness probe, answered with Pong
	TypePong        Type = 13 // any: answer to Ping
	TypeAdmin       Type = 14 // any->B: an operator request (stats, dead letters, groups)
	TypeAdminReply  Type = 15 // B->any: the answer to an operator request, by request ID
	TypeInfo        Type = 16 // B->any: first frame of every connection: the broker's limits
	TypeCancel      Type = 17 // P->B, B->C: the producer gave up a request; drop it
)

// MaxCommandLen is the longest command or group name in bytes.
const MaxCommandLen = 255

// Code is a result or error code carried by Confirm, SubAck, Result and Error.
type Code uint16

// Codes. CodeOK is success; the others say what went wrong.
const (
	CodeOK           Code = 0
	CodeQueueFull    Code = 1  // the command's queue is at its length limit
	CodeTooLarge     Code = 2  // the message exceeds the broker's size limit
	CodeBadCommand   Code = 3  // empty, too long or non-printable command/group name
	CodeStoreFailed  Code = 4  // the store could not persist the message
	CodeRemoteError  Code = 5  // the consumer's handler returned an error (Result)
	CodeTimeout      Code = 6  // the message's deadline passed before it was answered
	CodeDeadLetter   Code = 7  // the message exceeded its max deliveries
	CodeMalformed    Code = 8  // the frame could not be decoded
	CodeUnknownType  Code = 9  // the frame type is not known
	CodeBadVersion   Code = 10 // the protocol version is not supported
	CodeUnknownID    Code = 11 // an answer or touch for a message not in flight
	CodeStaleAttempt Code = 12 // an answer for an older delivery attempt (fenced)
	CodeShutdown     Code = 13 // the broker is shutting down
	CodeForbidden    Code = 14 // the operation is not allowed on this channel
	// CodeStoreUnavailable: the store is short of a resource for now
	// (descriptors, disk space); the message was not stored and may be
	// sent again later. The broker recovers by itself.
	CodeStoreUnavailable Code = 15
	// CodeIDInUse: another producer's message with this ID is still queued;
	// message IDs are unique per producer. Publish again with a new ID.
	CodeIDInUse Code = 16
	// CodeNoAnswerGroup: the request names an answer group its command does
	// not have (Confirm), or the group went away before answering (Result).
	CodeNoAnswerGroup Code = 17
	CodeNotFound      Code = 18 // the command, group or dead letter an operator request names does not exist
	CodeInUse         Code = 19 // the group has subscribers: it cannot be deleted
	CodeUnknownOp     Code = 20 // the operator request's op is not known to the broker
	CodePurged        Code = 21 // an operator purged the request before it was answered (Result)
	// CodeCancelled: the producer cancelled the request (Cancel) before it
	// was answered; a request sent again with its ID gets this result.
	CodeCancelled Code = 22
	// CodeDiskBudget: the broker's store takes its whole disk budget; the
	// message was not stored. Publish again once consumers drained the
	// queues and the store shrank.
	CodeDiskBudget Code = 23
)

// Publish flags.
const (
	// FlagRequest marks a publish whose producer awaits the answer (Request);
	// without it the consumer's answer is discarded (Send). A request is
	// confirmed only when refused: its Result stands for the OK confirm.
	FlagRequest uint8 = 1 << 0
	// FlagAnswerGroup marks a publish that carries Publish.AnswerGroup.
	// AppendTo sets it when AnswerGroup is not empty (and clears it
	// otherwise), and the decoders clear it from Flags: callers set
	// AnswerGroup, not the flag. A frame with the flag and an empty group
	// is malformed.
	FlagAnswerGroup uint8 = 1 << 1
)

// Answer kinds.
const (
	AnswerReply uint8 = 0 // Data is the handler's reply
	AnswerError uint8 = 1 // Data is the handler's error text; not retried
	AnswerRetry uint8 = 2 // redeliver later; Data is the reason
)

// ID is a message ID: a UUID (version 7) in its 16 bytes.
type ID [16]byte

// Frame is one decoded teomq frame. Byte slices in a decoded frame alias the
// buffer passed to Decode: copy them to keep them past the buffer's reuse.
type Frame interface {
	// Type reports the frame's type.
	Type() Type
	// AppendTo appends the frame's encoding (version and type first) to dst.
	AppendTo(dst []byte) []byte
}

// Publish asks the broker to store a message in Command's queue.
//
// AnswerGroup names the one consumer group whose answer reaches the
// producer of a request; empty, the default group answers. It is encoded
// only when set (flagged by FlagAnswerGroup), so a frame without it has
// the same bytes as before the field existed.
type Publish struct {
	ID          ID
	Flags       uint8
	Deadline    int64 // unix milliseconds after which the message is void; 0: none
	Command     string
	AnswerGroup string // present when Flags has FlagAnswerGroup
	Data        []byte
}

// Confirm tells a producer that the message ID is stored (Code == CodeOK) or
// why it was refused. Requests (FlagRequest) get a Confirm only when refused.
type Confirm struct {
	ID      ID
	Code    Code
	Message string
}

// Subscribe registers a subscription SubID (chosen by the client, unique per
// channel) to Command in Group with Credit messages in flight at most.
// Ephemeral groups are deleted with their last subscriber.
type Subscribe struct {
	SubID     uint32
	Credit    uint32
	Ephemeral bool
	Command   string
	Group     string
}

// Unsubscribe ends subscription SubID; its in-flight messages are requeued.
type Unsubscribe struct {
	SubID uint32
}

// SubAck answers Subscribe and Unsubscribe for SubID.
type SubAck struct {
	SubID   uint32
	Code    Code
	Message string
}

// Deliver hands a message to subscription SubID. Attempt counts deliveries
// of this message to its group, starting at 1.
type Deliver struct {
	SubID    uint32
	ID       ID
	Attempt  uint32
	Deadline int64 // unix milliseconds; 0: none
	From     string
	Command  string
	Data     []byte
}

// Answer is a consumer's result for delivery (ID, Attempt).
type Answer struct {
	ID      ID
	Attempt uint32
	Kind    uint8 // AnswerReply, AnswerError or AnswerRetry
	Data    []byte
}

// Result routes the answer for request ID back to its producer. From is the
// answering consumer's address; Code says whether Data is a reply
// (CodeOK), a handler's error text (CodeRemoteError) or why there is no
// answer (CodeTimeout, CodeDeadLetter, ...).
type Result struct {
	ID   ID
	Code Code
	From string
	Data []byte
}

// Credit sets subscription SubID's credit to N messages in flight.
type Credit struct {
	SubID uint32
	N     uint32
}

// Touch extends the lease of delivery (ID, Attempt) by Millis milliseconds
// from now.
type Touch struct {
	ID      ID
	Attempt uint32
	Millis  uint32
}

// Error reports a protocol error. Fatal errors are followed by the channel's
// close; others leave the channel serving. Ref is the frame's message ID
// when it had one.
type Error struct {
	Code    Code
	Fatal   bool
	Ref     ID
	Message string
}

// Ping asks the peer for a Pong with the same Nonce.
type Ping struct {
	Nonce uint64
}

// Pong answers Ping.
type Pong struct {
	Nonce uint64
}

// typeNames holds each frame type's name, indexed by Type.
var typeNames = [...]string{
	TypePublish:     "publish",
	TypeConfirm:     "confirm",
	TypeSubscribe:   "subscribe",
	TypeUnsubscribe: "unsubscribe",
	TypeSubAck:      "suback",
	TypeDeliver:     "deliver",
	TypeAnswer:      "answer",
	TypeResult:      "result",
	TypeCredit:      "credit",
	TypeTouch:       "touch",
	TypeError:       "error",
	TypePing:        "ping",
	TypePong:        "pong",
	TypeAdmin:       "admin",
	TypeAdminReply:  "admin reply",
	TypeInfo:        "info",
	TypeCancel:      "cancel",
}

// Known reports whether t is a frame type of this protocol version.
func (t Type) Known() bool { return t >= TypePublish && t <= TypeCancel }

// String returns the frame type's name, or "Type(n)" for an unknown type.
func (t Type) String() string {
	if t.Known() {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Every frame type implements Frame.
var (
	_ Frame = (*Publish)(nil)
	_ Frame = (*Confirm)(nil)
	_ Frame = (*Subscribe)(nil)
	_ Frame = (*Unsubscribe)(nil)
	_ Frame = (*SubAck)(nil)
	_ Frame = (*Deliver)(nil)
	_ Frame = (*Answer)(nil)
	_ Frame = (*Result)(nil)
	_ Frame = (*Credit)(nil)
	_ Frame = (*Touch)(nil)
	_ Frame = (*Error)(nil)
	_ Frame = (*Ping)(nil)
	_ Frame = (*Pong)(nil)
	_ Frame = (*AdminRequest)(nil)
	_ Frame = (*AdminReply)(nil)
	_ Frame = (*Info)(nil)
	_ Frame = (*Cancel)(nil)
)

// Type returns TypePublish.
func (*Publish) Type() Type { return TypePublish }

// Type returns TypeConfirm.
func (*Confirm) Type() Type { return TypeConfirm }

// Type returns TypeSubscribe.
func (*Subscribe) Type() Type { return TypeSubscribe }

// Type returns TypeUnsubscribe.
func (*Unsubscribe) Type() Type { return TypeUnsubscribe }

// Type returns TypeSubAck.
func (*SubAck) Type() Type { return TypeSubAck }

// Type returns TypeDeliver.
func (*Deliver) Type() Type { return TypeDeliver }

// Type returns TypeAnswer.
func (*Answer) Type() Type { return TypeAnswer }

// Type returns TypeResult.
func (*Result) Type() Type { return TypeResult }

// Type returns TypeCredit.
func (*Credit) Type() Type { return TypeCredit }

// Type returns TypeTouch.
func (*Touch) Type() Type { return TypeTouch }

// Type returns TypeError.
func (*Error) Type() Type { return TypeError }

// Type returns TypePing.
func (*Ping) Type() Type { return TypePing }

// Type returns TypePong.
func (*Pong) Type() Type { return TypePong }
