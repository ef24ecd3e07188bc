package store

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

var _ Pager = (*PebbleStore)(nil)

// ReadMessages returns up to limit undone messages of command from Seq from
// on, in Seq order, with their acks and attempts. It seeks to the first
// of them in each lane (the main lane from the watermark up, and the
// rare low lane) and reads about limit messages' keys, whatever the length
// of the queue. It holds the index lock while it reads, so that the page
// agrees with the index; writes wait meanwhile. Safe for concurrent use.
func (s *PebbleStore) ReadMessages(command string, from uint64, limit int) ([]*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if !s.idx.built {
		if err := s.load(nil); err != nil {
			return nil, err
		}
	}
	c := s.idx.cmds[command]
	if c == nil || limit <= 0 {
		return nil, nil
	}
	low, err := s.readLane(c, laneLow, from, limit)
	if err != nil {
		return nil, err
	}
	main, err := s.readLane(c, laneMain, from, limit)
	if err != nil {
		return nil, err
	}
	return mergeBySeq(low, main, limit), nil
}

// Undone returns how many messages of command are undone, from the
// store's index. Safe for concurrent use.
func (s *PebbleStore) Undone(command string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if !s.idx.built {
		if err := s.load(nil); err != nil {
			return 0, err
		}
	}
	c := s.idx.cmds[command]
	if c == nil {
		return 0, nil
	}
	return c.live.len() + len(c.low), nil
}

// readLane reads up to limit undone messages of c in lane ln from Seq
// from on. A message the index holds in the other lane, or as done, is
// skipped with its sub-keys. Called with mu held.
func (s *PebbleStore) readLane(c *command, ln lane, from uint64, limit int) ([]*Record, error) {
	if ln == laneMain {
		from = max(from, c.floor)
	} else if len(c.low) == 0 {
		return nil, nil
	}
	_, upper := laneBounds(c.id, ln)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: appendQueueSeq(nil, c.id, ln, from), UpperBound: upper})
	if err != nil {
		return nil, engineError("read", s.dir, err)
	}
	var out []*Record
	var cur *Record
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		p, ok := parseQueueKey(k)
		if !ok {
			_ = it.Close()
			return nil, fmt.Errorf("%w: %s: key %x: %w", ErrCorrupt, s.dir, k, errShortValue)
		}
		if p.sub == subMsg {
			cur = nil
			if l, live := c.locate(p.seq); !live || l != ln {
				continue
			}
			if len(out) == limit {
				break
			}
			v, err := it.ValueAndErr()
			if err == nil {
				cur = &Record{Kind: KindMessage, Command: c.name}
				cur.Msg, err = decodeMessage(v, c.name, p.seq)
			}
			if err != nil {
				_ = it.Close()
				return nil, fmt.Errorf("%w: %s: key %x: %w", ErrCorrupt, s.dir, k, err)
			}
			cur.Msg.Attempt = 0
			out = append(out, cur)
			continue
		}
		if cur == nil || p.seq != cur.Msg.Seq {
			continue
		}
		if err := addSubKey(cur, p, it); err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("%w: %s: key %x: %w", ErrCorrupt, s.dir, k, err)
		}
	}
	if err := it.Close(); err != nil {
		return nil, engineError("read", s.dir, err)
	}
	return out, nil
}

// addSubKey adds an ack or attempts sub-key of r's message to r.
func addSubKey(r *Record, p queueKeyParts, it *pebble.Iterator) error {
	switch p.sub {
	case subAck:
		r.AckedBy = append(r.AckedBy, p.group)
	case subAttempt:
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		a, n := binary.Uvarint(v)
		if n <= 0 || a > uint64(^uint32(0)) {
			return errShortValue
		}
		if r.Attempts == nil {
			r.Attempts = make(map[string]uint32)
		}
		r.Attempts[p.group] = uint32(a)
		r.Msg.Attempt = max(r.Msg.Attempt, uint32(a))
	}
	return nil
}

// mergeBySeq merges two Seq-ordered pages into one of at most limit.
func mergeBySeq(a, b []*Record, limit int) []*Record {
	if len(a) == 0 {
		return b[:min(limit, len(b))]
	}
	out := make([]*Record, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && a[0].Msg.Seq < b[0].Msg.Seq) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}
