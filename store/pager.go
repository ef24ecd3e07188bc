package store

// Pager is a Store that reads a command's queue a page at a time, so that
// a broker can keep only the head of each queue in memory and read the
// rest, in Seq order, as the head advances.
//
// Implementations are safe for concurrent use, also with Write: a page
// holds every message whose append returned before ReadMessages was
// called and that no Last ack that returned before it finished; writes
// still under way may or may not show.
type Pager interface {
	Store
	// ReadMessages returns up to limit undone messages of command with Seq
	// from or above, in Seq order, each as a KindMessage Record with
	// AckedBy and Attempts as Load gives them. A command the store does
	// not hold gives none. It reads the messages it returns, not the
	// queue.
	ReadMessages(command string, from uint64, limit int) ([]*Record, error)
	// Undone returns how many messages of command are undone, without
	// reading them.
	Undone(command string) (int, error)
}

// HeadLoader is a Store whose Load can leave out the messages past the
// head of each queue, for a broker that reads them later with a Pager.
type HeadLoader interface {
	Store
	// LoadHead is Load, except that past the first head messages of a
	// command, the messages that light accepts (by their Flags and
	// Deadline) and that no group has attempted or acked, but durable
	// groups that acked them (and do not take them: Takes leaves them
	// out) and groups gone at a restart (not durable, but the default
	// group of a command without durable groups), are only counted, in
	// one KindTail record that comes after the command's other messages;
	// the store need not read them. A message a durable group attempted
	// and did not ack is never counted. light should accept no request and no
	// message with a deadline. The IDs of the newest counted messages
	// come as KindTailID records. fn must not keep a KindTail or
	// KindTailID record: they are reused. What a record points to (its
	// Msg, Answer, AckedBy, Attempts, Seqs or Takes) is never reused: fn
	// may keep that, or a copy of the record.
	LoadHead(head int, light func(flags uint8, deadline int64) bool, fn func(*Record) error) error
}
