package store

import (
	"bytes"
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps its state in maps. It has the same
// semantics as PebbleStore except durability: its state ends with the
// process. It serves tests and the broker's memory durability mode.
//
// MemoryStore is safe for concurrent use. It copies what it is given and
// what it returns, so callers may reuse their buffers.
type MemoryStore struct {
	mu      sync.Mutex // guards the fields below
	closed  bool
	order   []*memCommand // in order of first use, as Load reports them
	cmds    map[string]*memCommand
	mailbox map[answerKey]memAnswer
	dedup   map[answerKey]memAnswer
}

// answerKey names a mailbox answer or dedup record: message IDs are
// unique per producer only.
type answerKey struct {
	id       [16]byte
	producer string
}

var _ Store = (*MemoryStore)(nil)
var _ Volatile = (*MemoryStore)(nil)

type memCommand struct {
	name   string
	groups map[string]memGroup
	msgs   map[uint64]*memMessage
	dead   map[deadAddr]*Message
	last   uint64 // the largest Seq written (KindSeq)
}

// memGroup is where a durable group starts taking messages.
type memGroup struct {
	from uint64
	also []uint64
}

type memMessage struct {
	msg      *Message
	ackedBy  map[string]struct{}
	attempts map[string]uint32
	answer   *Answer // the result its producer got, from a non-Last ack
}

// keepAnswer keeps a, the result m's producer got, with m.
func (m *memMessage) keepAnswer(a *Answer) {
	m.answer = cloneAnswer(a, m.msg.ID)
	m.answer.Producer = m.msg.From
}

type deadAddr struct {
	seq   uint64
	group string
}

type memAnswer struct {
	answer  *Answer // nil: a dedup record without answer
	expires int64
}

// NewMemory returns an empty MemoryStore.
func NewMemory() *MemoryStore {
	return &MemoryStore{
		cmds:    make(map[string]*memCommand),
		mailbox: make(map[answerKey]memAnswer),
		dedup:   make(map[answerKey]memAnswer),
	}
}

// Write applies ops atomically. The sync flag is accepted and ignored: a
// MemoryStore has nothing to sync. It returns ErrInvalidOp (applying
// nothing) when an op lacks what its Kind needs, and ErrClosed after Close.
func (s *MemoryStore) Write(ops []Op, sync bool) error {
	if err := Validate(ops); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for i := range ops {
		t, _ := Resolve(i, &ops[i])
		s.apply(&ops[i], t)
	}
	return nil
}

func (s *MemoryStore) apply(op *Op, t Target) {
	switch op.Kind {
	case KindMailbox:
		a := cloneAnswer(op.Answer, t.ID)
		a.Producer = t.Producer
		s.mailbox[answerKey{t.ID, t.Producer}] = memAnswer{answer: a, expires: op.Expires}
		return
	case KindMailboxDelete:
		if op.Producer != "" {
			delete(s.mailbox, answerKey{t.ID, t.Producer})
			return
		}
		for k := range s.mailbox {
			if k.id == t.ID {
				delete(s.mailbox, k)
			}
		}
		return
	}
	c := s.command(t.Command)
	switch op.Kind {
	case KindMessage:
		c.msgs[t.Seq] = &memMessage{msg: cloneMessage(op.Msg, t.Command, t.Seq)}
		c.last = max(c.last, t.Seq)
	case KindAck:
		m := c.msgs[t.Seq]
		if op.Last {
			delete(c.msgs, t.Seq)
			if id, ok := DedupID(op); ok {
				a := cloneAnswer(op.Answer, id)
				if a != nil {
					a.Producer = t.Producer
				}
				s.dedup[answerKey{id, t.Producer}] = memAnswer{answer: a, expires: op.Expires}
			}
		} else if m != nil {
			if m.ackedBy == nil {
				m.ackedBy = make(map[string]struct{})
			}
			m.ackedBy[op.Group] = struct{}{}
		}
	case KindAttempt:
		if m := c.msgs[t.Seq]; m != nil {
			if m.attempts == nil {
				m.attempts = make(map[string]uint32)
			}
			m.attempts[op.Group] = op.Attempt
		}
	case KindDeadLetter:
		c.dead[deadAddr{t.Seq, op.Group}] = cloneMessage(op.Msg, t.Command, t.Seq)
	case KindDeadLetterDelete:
		delete(c.dead, deadAddr{t.Seq, op.Group})
	case KindGroup:
		c.groups[op.Group] = memGroup{from: op.Seq, also: slices.Clone(op.Seqs)}
	case KindGroupDelete:
		delete(c.groups, op.Group)
	case KindResult:
		if m := c.msgs[t.Seq]; m != nil {
			m.keepAnswer(op.Answer)
		}
	case KindPurge:
		for seq := range c.msgs {
			if seq >= t.Seq && seq <= op.To {
				if _, ok := slices.BinarySearch(op.Seqs, seq); !ok {
					delete(c.msgs, seq)
				}
			}
		}
	}
}

func (s *MemoryStore) command(name string) *memCommand {
	c := s.cmds[name]
	if c == nil {
		c = &memCommand{
			name:   name,
			groups: make(map[string]memGroup),
			msgs:   make(map[uint64]*memMessage),
			dead:   make(map[deadAddr]*Message),
		}
		s.cmds[name] = c
		s.order = append(s.order, c)
	}
	return c
}

// Load calls fn for every record: per command (in order of first use) its
// groups, its messages in Seq order and its dead letters; then the mailbox
// and the dedup window. Expired mailbox and dedup records are skipped and
// forgotten. fn must not call Write. Load returns ErrClosed after Close.
func (s *MemoryStore) Load(fn func(*Record) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, c := range s.order {
		if err := c.load(fn); err != nil {
			return err
		}
	}
	now := time.Now().UnixMilli()
	if err := loadAnswers(s.mailbox, now, KindMailbox, cmpMailbox, fn); err != nil {
		return err
	}
	return loadAnswers(s.dedup, now, KindDedup, cmpDedup, fn)
}

func (c *memCommand) load(fn func(*Record) error) error {
	for _, g := range slices.Sorted(maps.Keys(c.groups)) {
		mg := c.groups[g]
		if err := fn(&Record{Kind: KindGroup, Command: c.name, Group: g, Seq: mg.from, Seqs: slices.Clone(mg.also)}); err != nil {
			return err
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(c.msgs)) {
		if err := fn(c.record(seq)); err != nil {
			return err
		}
	}
	if len(c.msgs) == 0 && c.last > 0 {
		if err := fn(&Record{Kind: KindSeq, Command: c.name, Seq: c.last}); err != nil {
			return err
		}
	}
	dead := slices.SortedFunc(maps.Keys(c.dead), func(a, b deadAddr) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), strings.Compare(a.group, b.group))
	})
	for _, d := range dead {
		r := &Record{Kind: KindDeadLetter, Command: c.name, Group: d.group,
			Msg: cloneMessage(c.dead[d], c.name, d.seq)}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

type answerEntry struct {
	answerKey
	memAnswer
}

// cmpMailbox and cmpDedup order answers as the pebble store's keys do.
func cmpMailbox(a, b answerEntry) int {
	return cmp.Or(bytes.Compare(a.id[:], b.id[:]), strings.Compare(a.producer, b.producer))
}

func cmpDedup(a, b answerEntry) int {
	return cmp.Or(cmp.Compare(a.expires, b.expires), bytes.Compare(a.id[:], b.id[:]),
		strings.Compare(a.producer, b.producer))
}

// loadAnswers reports the unexpired entries of m in the order cmpFn gives
// and deletes the expired ones.
func loadAnswers(m map[answerKey]memAnswer, now int64, kind Kind,
	cmpFn func(a, b answerEntry) int, fn func(*Record) error) error {
	entries := make([]answerEntry, 0, len(m))
	for k, a := range m {
		if a.expires <= now {
			delete(m, k)
			continue
		}
		entries = append(entries, answerEntry{k, a})
	}
	slices.SortFunc(entries, cmpFn)
	for _, e := range entries {
		r := &Record{Kind: kind, ID: e.id, Producer: e.producer, Expires: e.expires, Answer: cloneAnswer(e.answer, e.id)}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Close makes later Writes and Loads return ErrClosed and drops the state.
// It is safe to call twice.
func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.order, s.cmds, s.mailbox, s.dedup = nil, nil, nil, nil
	return nil
}

// record returns message seq of c as Load reports it.
func (c *memCommand) record(seq uint64) *Record {
	m := c.msgs[seq]
	r := &Record{Kind: KindMessage, Command: c.name, Msg: cloneMessage(m.msg, c.name, seq)}
	r.Msg.Attempt = 0
	if len(m.ackedBy) > 0 {
		r.AckedBy = slices.Sorted(maps.Keys(m.ackedBy))
	}
	if m.answer != nil {
		r.Answer = cloneAnswer(m.answer, m.answer.ID)
	}
	if len(m.attempts) > 0 {
		r.Attempts = make(map[string]uint32, len(m.attempts))
		for g, a := range m.attempts {
			r.Attempts[g] = a
			r.Msg.Attempt = max(r.Msg.Attempt, a)
		}
	}
	return r
}

var _ Pager = (*MemoryStore)(nil)

// ReadMessages returns up to limit undone messages of command from Seq
// from on, in Seq order. It sorts the command's Seqs: the memory store is
// for tests and small queues. Safe for concurrent use.
func (s *MemoryStore) ReadMessages(command string, from uint64, limit int) ([]*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	c := s.cmds[command]
	if c == nil || limit <= 0 {
		return nil, nil
	}
	var seqs []uint64
	for seq := range c.msgs {
		if seq >= from {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	seqs = seqs[:min(limit, len(seqs))]
	out := make([]*Record, 0, len(seqs))
	for _, seq := range seqs {
		out = append(out, c.record(seq))
	}
	return out, nil
}

// Undone returns how many messages of command are undone. Safe for
// concurrent use.
func (s *MemoryStore) Undone(command string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if c := s.cmds[command]; c != nil {
		return len(c.msgs), nil
	}
	return 0, nil
}

// Volatile marks a MemoryStore as one whose writes need no sync.
func (s *MemoryStore) Volatile() {}
