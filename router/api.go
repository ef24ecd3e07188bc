package router

import "time"

// ConnID names a peer connection. The broker assigns them; the router only
// compares them.
type ConnID uint64

// ID is a message ID (a UUIDv7 in 16 bytes).
type ID [16]byte

// DefaultGroup is the group of subscriptions that name none: its members
// share a command's messages point to point.
const DefaultGroup = ""

// Message is a message the router queues. The router keeps the pointer and
// its Data; callers hand over ownership and do not change it afterwards.
//
// ID is unique per producer: the dedup window is kept per (From, ID), so
// two producers never share a message's confirm or result.
type Message struct {
	ID       ID
	Command  string
	Seq      uint64    // assigned by Admit (or given to Restore)
	From     string    // producer address
	Deadline time.Time // zero: none
	Request  bool      // the producer awaits the answer
	// AnswerGroup names the one group whose answer reaches the producer of
	// a request (DefaultGroup: the point-to-point group). The other groups
	// get their copies too, but their answers only finish their own copy.
	AnswerGroup string
	Data        []byte
}

// AnswerKind says what a consumer's answer carries.
type AnswerKind uint8

// Answer kinds.
const (
	Reply AnswerKind = iota // Data is the reply
	Fail                    // Data is the handler's error text; not retried
	Retry                   // redeliver later
)

// ResultCode says what a Result action carries to a producer. The broker
// maps each to its protocol code in one place; the values are stored, so
// they never change meaning.
type ResultCode uint16

// Result codes.
const (
	ResultOK          ResultCode = 0 // Data is the consumer's reply
	ResultRemoteError ResultCode = 5 // Data is the handler's error text
	ResultTimeout     ResultCode = 6 // the deadline passed unanswered
	ResultDeadLetter  ResultCode = 7 // max deliveries exceeded
	// ResultNoAnswerGroup: the request's answer group was removed (an
	// ephemeral group lost its last subscriber) before it answered.
	ResultNoAnswerGroup ResultCode = 17
	// ResultPurged: an operator removed the message (PurgeQueue,
	// DeleteGroup) before its answer group answered.
	ResultPurged ResultCode = 21
	// ResultCancelled: the producer cancelled the request (Cancel). It is
	// never routed; a duplicate publish of the request gets it.
	ResultCancelled ResultCode = 22
)

// ActionKind says what the broker must do for an Action.
type ActionKind uint8

// Action kinds.
const (
	// ActDeliver: send Msg to Conn's subscription SubID as attempt Attempt.
	ActDeliver ActionKind = iota + 1
	// ActResult: send the result (Code, From, Data) for Msg.ID to Conn.
	ActResult
	// ActMailbox: persist the result (Code, From, Data) for Msg.ID, waiting
	// for producer Msg.From until Expires.
	ActMailbox
	// ActMailboxDelete: forget the persisted mailbox result for Msg.ID.
	ActMailboxDelete
	// ActAck: persist that Group is done with Msg; Last: no group needs it
	// any more (delete it). When Answered, Code/From/Data is the result the
	// producer got, kept for dedup until Expires (every ack after the
	// result carries it, so a restart keeps it; RestoreDedup gives it back).
	ActAck
	// ActAttempt: persist that Msg was handed to Group Attempt times.
	ActAttempt
	// ActDeadLetter: persist that Msg moved to Group's dead-letter queue
	// after Attempt deliveries. The message stays stored: Group is not done
	// with it until it is replayed and answered (or its group is dropped).
	ActDeadLetter
	// ActGroup: persist that durable Group of Msg.Command exists
	// (Msg carries only Command), from Start on.
	ActGroup
	// ActDeadLetterDelete: persist that Msg left Group's dead-letter queue:
	// replayed (an ActAttempt with Attempt 0 follows and the message waits in
	// the queue again) or dropped with its ephemeral group (an ActAck
	// follows).
	ActDeadLetterDelete
	// ActGroupDelete: persist that durable Group of Msg.Command no longer
	// exists (Msg carries only Command): an operator deleted it, or its
	// command was forgotten as idle. The acks of the copies it held come
	// before it.
	ActGroupDelete
	// ActCancel: tell Conn that Msg, which its subscription SubID holds
	// as attempt Attempt in Group, was cancelled by its producer: its
	// handler may stop, and its answer will be dropped.
	ActCancel
	// ActFetch: read from the store the payloads of up to Attempt
	// messages of Msg.Command from Msg.Seq on (Msg is the first of them,
	// paged out: its Data is nil), and hand them to Fill. Until then the
	// command's groups deliver nothing past that message. See
	// Config.ResidentBytes.
	ActFetch
	// ActLoad: read from the store up to Attempt undone messages of
	// Msg.Command from Msg.Seq on, in Seq order, and hand them to Load
	// (with ok unset if the read failed). See Config.Window.
	ActLoad
	// ActPurge: persist that the stored messages of Msg.Command in
	// Purge's range, but those it keeps, are gone: a queue purge took
	// the messages of the command's tail (see Config.Window), which the
	// router does not hold, all at once.
	ActPurge
	// ActKeepResult: persist that the producer of Msg, which stays stored,
	// got the result (Code, From, Data): a restart gives it back, and the
	// producer no other result.
	ActKeepResult
	// ActLoadBack: as ActLoad, a page of the back of Group (the copies a
	// durable group with no subscriber left in the store, see
	// Config.Window): hand it to LoadBack.
	ActLoadBack
)

// Action is one effect the broker carries out after an event.
type Action struct {
	Kind    ActionKind
	Conn    ConnID
	SubID   uint32
	Msg     *Message
	Group   string
	Attempt int
	Last    bool
	// Answered (ActAck, ActKeepResult): Code, From and Data hold the
	// result the producer got; a duplicate publish within the dedup window
	// gets it again.
	Answered bool
	Code     ResultCode
	From     string
	Data     []byte
	Expires  time.Time
	// Size (ActAck with Last) is the message's payload length, also
	// while its payload is paged out.
	Size int
	// Start (ActGroup) is where the group starts taking messages: the
	// first Seq it takes, and the earlier Seqs it takes too (sorted).
	Start *GroupStart
	// Purge (ActPurge) is the range of Seqs purged.
	Purge *PurgeRange
}

// PurgeRange is a range of a command's messages purged from the store:
// Seq From to To, both included, but those of Keep (sorted), which the
// router holds.
type PurgeRange struct {
	From, To uint64
	Keep     []uint64
}

// GroupStart is where a durable group starts taking its command's
// messages: every message of Seq From and up (From 0: every message), and
// those of Also, published before the group existed and stored after.
type GroupStart struct {
	From uint64
	Also []uint64
}

// Config sets the router's limits, and who observes it. Zero values take
// the defaults below.
type Config struct {
	MaxQueueLen   int           // pending messages per command; default 1,000,000
	MaxQueueBytes int64         // payload bytes of those pending messages per command; default 1 GiB
	Lease         time.Duration // time a consumer has to answer; default 30s
	MaxDeliveries int           // attempts before dead-lettering; default 20
	DedupWindow   time.Duration // how long a message ID is remembered; default 2m
	MaxDedup      int           // message IDs remembered at most (finished, or past a window); the oldest go first; default 1,000,000
	MailboxTTL    time.Duration // how long an answer waits for its producer; default 10m
	RetryDelay    time.Duration // first delay of a Retry answer, doubled per attempt; default 100ms
	MaxRetryDelay time.Duration // cap of the retry delay; default 10s
	// IdleTimeout is how long a command must hold nothing (no message, no
	// dead letter, no subscriber, no group but an empty default group)
	// before Tick forgets it; default 5m. See Tick.
	IdleTimeout time.Duration
	// ResidentBytes bounds the payload bytes of its committed messages
	// that a command keeps in memory: past it, a message committed while
	// no subscriber of the command has free credit leaves its payload to
	// the store (Data is set to nil), and dispatch asks for it back with
	// ActFetch before delivering it. Past half of it, so does a message
	// that a group finished while its other copies wait in groups with no
	// free credit (a durable group with no subscriber keeps no payloads in
	// memory as another group drains the store). 0: every payload stays in
	// memory.
	ResidentBytes int64
	// Window bounds the messages of a command held in memory: past it,
	// while no subscriber has free credit, a committed message is left to
	// the store and counted in the command's tail, read back with ActLoad
	// when a group's queue is a quarter of Window short of it, in pages
	// that top it up to Window or take half of it. Of a request or a
	// message with a deadline in a tail the router keeps a small record
	// (its ID, producer, Seq, deadline and answer group): it times out at
	// its deadline, can be cancelled and is known as a duplicate without
	// being read back. A durable group with no subscriber that holds
	// Window queued copies leaves those of later messages to the store
	// (its back; a plain send leaves memory once no other copy needs it),
	// read back with ActLoadBack when it has subscribers again; one group
	// of a command at a time. 0: every message stays in memory.
	Window   int
	Observer Observer // told of deliveries, answers, expiries and dead letters; nil: none
}

// RestoreHead is how many of the messages of a command's queue a restart
// places in memory when Config.Window is window (> 0): a quarter of it,
// what a group's queue may lack of the window before it reads a page. The
// rest are counted in the command's tail (but requests and messages with
// a deadline, which keep a record) and read back as consumers reach them:
// a broker that restarts with backlogs and no consumers holds a quarter
// of a window per command.
func RestoreHead(window int) int { return max(window/4, 1) }

// Defaults.
const (
	DefaultMaxQueueLen   = 1_000_000
	DefaultMaxQueueBytes = 1 << 30
	DefaultLease         = 30 * time.Second
	DefaultMaxDeliveries = 20
	DefaultDedupWindow   = 2 * time.Minute
	DefaultMaxDedup      = 1_000_000
	DefaultMailboxTTL    = 10 * time.Minute
	DefaultRetryDelay    = 100 * time.Millisecond
	DefaultMaxRetryDelay = 10 * time.Second
	DefaultIdleTimeout   = 5 * time.Minute
)
