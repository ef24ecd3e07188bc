// Package store keeps teomq's durable state: queued messages, dead letters,
// durable consumer groups, the answer mailbox and the dedup window.
//
// The broker's router holds the live state in memory; the store is written
// as the router changes it and read once, at start, to rebuild the router.
// A store that implements Pager also gives back a command's queued
// messages a page at a time, for the payloads the router leaves on disk.
//
// This package holds the interface, the memory store, and OpenDisk, which
// opens the disk store a program links: package store/pebblestore
// registers itself with RegisterDisk when imported.
package store

// Kind says what an Op changes or a Record holds.
type Kind uint8

// Kinds of ops and records.
const (
	// KindMessage: Msg is appended to its command's queue. Writing a Seq
	// again (a replayed dead letter) replaces the message and forgets its
	// acks and attempts.
	KindMessage Kind = iota + 1
	// KindAck: Group is done with message (Command, Seq). With Last set, no
	// group still needs it and the message is deleted; ID and Answer, when
	// set, are kept in the dedup window of Producer (or Answer.Producer)
	// until Expires. A non-Last ack of a message that is not queued is
	// ignored.
	KindAck
	// KindDeadLetter: message (Command, Seq) moved to the command's
	// dead-letter queue for Group; Msg carries its last state. It does not
	// take the message out of the queue: write a KindAck for Group (Last
	// as appropriate) in the same Write.
	KindDeadLetter
	// KindDeadLetterDelete: the dead letter (Command, Seq) of Group was
	// replayed or purged.
	KindDeadLetterDelete
	// KindGroup: durable Group of Command exists (created by a subscribe).
	// It takes the messages of Seq and up, and those listed in Seqs
	// (published before it existed and stored after); Seq 0 takes every
	// message. Writing it again replaces its start.
	KindGroup
	// KindAttempt: message (Command, Seq) was handed out Attempt times in
	// Group. Ignored for a message that is not queued.
	KindAttempt
	// KindMailbox: Answer waits for producer Answer.Producer until
	// Expires. Each producer has its own answer for an ID.
	KindMailbox
	// KindMailboxDelete: the mailbox answer of Producer for ID was
	// delivered or expired. Without a Producer, every answer for ID goes.
	KindMailboxDelete
	// KindDedup: restore-only record of a producer's ID seen within the
	// dedup window, with its Answer when it had one (written through
	// KindAck).
	KindDedup
	// KindGroupDelete: durable Group of Command was deleted. It does not
	// touch the group's copies of messages: write a KindAck (and a
	// KindDeadLetterDelete for a dead letter) for each of them in the same
	// Write, as for the removal of an ephemeral group.
	KindGroupDelete
	// KindTail: restore-only record of the undone messages of Command
	// past the head that HeadLoader.LoadHead does not read: Count of
	// them, from Seq to Last, with Size payload bytes in all; Takes
	// says how many of them each durable group of the command takes (by
	// its start, but those it acked).
	KindTail
	// KindTailID: restore-only record of one of the newest messages
	// counted in a KindTail record (those of the store's two last blocks
	// of seqs, which HeadLoader.LoadHead reads): Command, Seq, and its ID
	// and producer (Producer), for the dedup window.
	KindTailID
	// KindSeq: restore-only record of a command none of whose messages
	// in its order is left: the store used its Seqs up to Seq, and a new
	// message of Command is to take a larger one (a smaller one would be
	// stored apart from the queue's order, as a replayed message is).
	KindSeq
	// KindPurge: the undone messages of Command from Seq to To, both
	// included, but those whose Seqs are listed in Seqs (sorted), are
	// deleted with their acks and attempts, all at once: an operator
	// purged them. Their IDs do not enter the dedup window.
	KindPurge
	// KindResult: Answer is the result the producer of message (Command,
	// Seq) got, kept with the message while it is queued (Record.Answer).
	// Ignored for a message that is not queued.
	KindResult
)

// MessageRequest is the Message.Flags bit of a request: one whose
// producer waits for an answer. The value is stored: it never changes.
const MessageRequest uint8 = 1

// Message is one stored message.
type Message struct {
	Command  string
	Seq      uint64   // per-command sequence, assigned by the router; FIFO order
	ID       [16]byte // producer-made UUIDv7
	From     string   // producer address
	Deadline int64    // unix milliseconds; 0: none
	Flags    uint8    // MessageRequest, and bits this store does not read
	Attempt  uint32   // deliveries so far (restored records only)
	// AnswerGroup is the group whose answer goes to the producer of a
	// request; "" is the default group.
	AnswerGroup string
	Data        []byte
}

// Answer is a routed answer kept for a producer (mailbox) or for the dedup
// window.
type Answer struct {
	ID       [16]byte
	Producer string // the producer's address
	Code     uint16 // wire result code
	From     string // the answering consumer's address
	Data     []byte
}

// Op is one change to the store. Which fields matter depends on Kind.
type Op struct {
	Kind    Kind
	Command string
	Group   string
	Seq     uint64
	ID      [16]byte
	Attempt uint32
	Last    bool
	Expires int64 // unix milliseconds
	// Producer is the address of the producer whose message ID this is,
	// for KindAck (the dedup record; Answer.Producer when empty) and
	// KindMailboxDelete. Message IDs are unique per producer only.
	Producer string
	Msg      *Message
	Answer   *Answer
	// Seqs (KindGroup): the messages below Seq that the group takes too;
	// (KindPurge) the messages of the range that stay.
	Seqs []uint64
	// To (KindPurge): the last Seq of the range.
	To uint64
	// Size (KindAck with Last): the length of the message's payload, for
	// the store's count of undone bytes (Record.Size of KindTail after a
	// restart). A wrong value skews that count only.
	Size int
}

// Record is one piece of state returned by Load. Which fields matter depends
// on Kind: KindMessage (Msg, with the groups that already acked it in
// AckedBy, per-group attempts in Attempts, and the result its producer got
// in Answer if KindResult kept one), KindDeadLetter (Msg, Group),
// KindGroup (Command, Group, and the start Seq and Seqs it was written
// with), KindMailbox (Answer, Producer, Expires),
// KindDedup (ID, Producer, Answer or nil, Expires). For KindMessage,
// Msg.Attempt is the highest of Attempts.
//
// A dedup record written before dedup was kept per producer has no
// Producer unless it has an Answer.
type Record struct {
	Kind     Kind
	Command  string
	Group    string
	ID       [16]byte
	Producer string // KindMailbox, KindDedup: the producer whose ID it is
	Expires  int64
	Seq      uint64   // KindGroup: the first message the group takes
	Seqs     []uint64 // KindGroup: the messages below Seq it takes too
	Msg      *Message
	Answer   *Answer
	AckedBy  []string
	Attempts map[string]uint32
	Size     int            // KindTail: the messages' payload bytes
	Last     uint64         // KindTail: the largest Seq of the messages
	Count    int            // KindTail: how many messages
	Takes    map[string]int // KindTail: how many of them each durable group takes
}

// Volatile is implemented by a store whose writes outlive nothing but
// the process (MemoryStore): a write needs no sync, so a broker stores
// publishes on the connection's goroutine instead of group-committing
// them.
type Volatile interface {
	// Volatile marks the store; it does nothing.
	Volatile()
}

// Store persists teomq's state.
//
// Implementations are safe for concurrent use. Write calls with sync set
// that overlap in time share one sync of the medium (group commit).
type Store interface {
	// Write applies ops atomically: all or none. With sync set it returns
	// only once the ops are durable as the store's mode promises; without
	// it the ops become durable with the next synced write or Close. An
	// error means none of the ops were applied, and the store may refuse
	// further writes: for good after a medium failure (ErrStoreFailed),
	// or while it is short of a resource, until it recovers by itself
	// (ErrStoreUnavailable).
	Write(ops []Op, sync bool) error
	// Load calls fn for every record: for each command its groups, its
	// messages in Seq order and its dead letters; then the mailbox answers
	// and the dedup records. Expired mailbox and dedup records are skipped
	// and dropped. It is called once, before any Write; fn must not call
	// Write. An error from fn stops Load and is returned.
	Load(fn func(*Record) error) error
	// Close flushes and releases the store. Safe to call twice.
	Close() error
}
