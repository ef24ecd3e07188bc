package store

import (
	"fmt"
	"math"
)

// Target is what an op addresses, after reconciling the Op's own fields
// with those of its Msg or Answer.
type Target struct {
	Command  string
	Seq      uint64
	ID       [16]byte // mailbox and dedup ID
	Producer string   // mailbox and dedup producer
}

// Resolve checks that op, the i-th op of a Write, carries what its Kind
// needs and returns what it addresses; the error wraps ErrInvalidOp and
// names i. For KindMessage and KindDeadLetter, Command and Seq may be
// given in the Op, in its Msg, or in both when they agree. For KindMailbox
// the ID may be given in the Op or in its Answer. Seq math.MaxUint64 is
// refused: the store reserves it as a bound.
func Resolve(i int, op *Op) (Target, error) {
	t := Target{Command: op.Command, Seq: op.Seq, ID: op.ID, Producer: op.Producer}
	if op.Answer != nil && t.Producer == "" {
		t.Producer = op.Answer.Producer
	}
	switch op.Kind {
	case KindMessage, KindDeadLetter:
		if op.Msg == nil {
			return t, invalidOp(i, op, "no Msg")
		}
		if t.Command == "" {
			t.Command = op.Msg.Command
		} else if op.Msg.Command != "" && op.Msg.Command != t.Command {
			return t, invalidOp(i, op, "Command differs from Msg.Command")
		}
		if t.Seq == 0 {
			t.Seq = op.Msg.Seq
		} else if op.Msg.Seq != 0 && op.Msg.Seq != t.Seq {
			return t, invalidOp(i, op, "Seq differs from Msg.Seq")
		}
	case KindAck:
		if err := sameProducer(i, op); err != nil {
			return t, err
		}
	case KindAttempt, KindDeadLetterDelete, KindGroup, KindGroupDelete:
	case KindResult:
		if op.Answer == nil {
			return t, invalidOp(i, op, "no Answer")
		}
	case KindPurge:
		if op.To < t.Seq {
			return t, invalidOp(i, op, "To below Seq")
		}
	case KindMailbox:
		if op.Answer == nil {
			return t, invalidOp(i, op, "no Answer")
		}
		if t.ID == ([16]byte{}) {
			t.ID = op.Answer.ID
		} else if op.Answer.ID != ([16]byte{}) && op.Answer.ID != t.ID {
			return t, invalidOp(i, op, "ID differs from Answer.ID")
		}
		if err := sameProducer(i, op); err != nil {
			return t, err
		}
		return t, nil
	case KindMailboxDelete:
		return t, nil
	default:
		return t, invalidOp(i, op, "kind not writable")
	}
	if t.Command == "" {
		return t, invalidOp(i, op, "empty Command")
	}
	if t.Seq == math.MaxUint64 {
		return t, invalidOp(i, op, "Seq out of range")
	}
	return t, nil
}

// sameProducer checks that op's Producer, when set, matches that of its
// Answer, when set.
func sameProducer(i int, op *Op) error {
	if op.Answer != nil && op.Producer != "" && op.Answer.Producer != "" && op.Producer != op.Answer.Producer {
		return invalidOp(i, op, "Producer differs from Answer.Producer")
	}
	return nil
}

// Validate resolves every op, returning the first problem: an error
// wrapping ErrInvalidOp. A Store calls it before it applies any op.
func Validate(ops []Op) error {
	for i := range ops {
		if _, err := Resolve(i, &ops[i]); err != nil {
			return err
		}
	}
	return nil
}

func invalidOp(i int, op *Op, why string) error {
	return fmt.Errorf("%w: op %d (%v): %s", ErrInvalidOp, i, op.Kind, why)
}

// DedupID returns the ID a Last ack keeps in the dedup window, and whether
// it has one.
func DedupID(op *Op) ([16]byte, bool) {
	id := op.ID
	if id == ([16]byte{}) && op.Answer != nil {
		id = op.Answer.ID
	}
	return id, id != [16]byte{}
}
