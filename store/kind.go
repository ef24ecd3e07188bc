package store

import "strconv"

var kindNames = [...]string{
	KindMessage:          "message",
	KindAck:              "ack",
	KindDeadLetter:       "dead-letter",
	KindDeadLetterDelete: "dead-letter-delete",
	KindGroup:            "group",
	KindAttempt:          "attempt",
	KindMailbox:          "mailbox",
	KindMailboxDelete:    "mailbox-delete",
	KindDedup:            "dedup",
	KindGroupDelete:      "group-delete",
	KindTail:             "tail",
	KindTailID:           "tail-id",
	KindSeq:              "seq",
	KindPurge:            "purge",
	KindResult:           "result",
}

// String returns the kind's name, as used in errors and logs.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}
