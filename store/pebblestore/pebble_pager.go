package pebblestore

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

var _ store.Pager = (*PebbleStore)(nil)

// ReadMessages returns up to limit undone messages of command from Seq from
// on, in Seq order, with their acks and attempts. It seeks to the first
// of them in each lane (the main lane from the watermark up, and the
// rare low lane) and reads about limit messages' keys, whatever the length
// of the queue. It takes the index lock only to open its view of the
// store, and reads outside it, so that writes go on meanwhile. Safe for
// concurrent use.
func (s *PebbleStore) ReadMessages(command string, from uint64, limit int) ([]*store.Record, error) {
	v, err := s.openPage(command, from, limit)
	if v == nil || err != nil {
		return nil, err
	}
	defer s.writers.Done() // Close waits for the read
	defer v.close()
	low, err := v.read(v.lowIt, laneLow, limit)
	if err != nil {
		return nil, err
	}
	main, err := v.read(v.mainIt, laneMain, limit)
	if err != nil {
		return nil, err
	}
	return mergeBySeq(low, main, limit), nil
}

// pageView is what ReadMessages reads: iterators over both lanes of a
// command from a Seq, opened together under the index lock, and the
// index's state at that moment. Writes after it do not show.
type pageView struct {
	s      *PebbleStore
	name   string
	floor  uint64              // the main lane's watermark
	low    map[uint64]struct{} // the undone low-lane seqs
	lowIt  *pebble.Iterator    // nil: the low lane is empty
	mainIt *pebble.Iterator
}

// openPage opens the view of a page of command from Seq from, and
// registers the caller as a writer (so that Close waits for the read);
// nil without error when there is nothing to read.
func (s *PebbleStore) openPage(command string, from uint64, limit int) (*pageView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
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
	v := &pageView{s: s, name: c.name, floor: c.floor}
	if len(c.low) > 0 {
		v.low = make(map[uint64]struct{}, len(c.low))
		for seq := range c.low {
			v.low[seq] = struct{}{}
		}
		it, err := s.laneIter(c.id, laneLow, from)
		if err != nil {
			return nil, err
		}
		v.lowIt = it
	}
	it, err := s.laneIter(c.id, laneMain, max(from, c.floor))
	if err != nil {
		v.close()
		return nil, err
	}
	v.mainIt = it
	s.writers.Add(1)
	return v, nil
}

// laneIter opens an iterator over lane ln of command cmd from Seq from.
func (s *PebbleStore) laneIter(cmd uint32, ln lane, from uint64) (*pebble.Iterator, error) {
	_, upper := laneBounds(cmd, ln)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: appendQueueSeq(nil, cmd, ln, from), UpperBound: upper})
	if err != nil {
		return nil, engineError("read", s.dir, err)
	}
	return it, nil
}

// live reports whether message seq of lane ln was undone when the view
// was opened: a low-lane seq the index held, or a main-lane seq at or
// above the watermark that the low lane does not hold (done ones there
// have no key).
func (v *pageView) live(seq uint64, ln lane) bool {
	_, inLow := v.low[seq]
	if ln == laneLow {
		return inLow
	}
	return !inLow && seq >= v.floor
}

func (v *pageView) close() {
	for _, it := range []*pebble.Iterator{v.lowIt, v.mainIt} {
		if it != nil {
			_ = it.Close()
		}
	}
}

// Undone returns how many messages of command are undone, from the
// store's index. Safe for concurrent use.
func (s *PebbleStore) Undone(command string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
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

// read reads up to limit undone messages from it, an iterator of lane ln.
// A message of the other lane, or done, is skipped with its sub-keys.
func (v *pageView) read(it *pebble.Iterator, ln lane, limit int) ([]*store.Record, error) {
	if it == nil {
		return nil, nil
	}
	var out []*store.Record
	var cur *store.Record
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		p, ok := parseQueueKey(k)
		if !ok {
			return nil, v.corrupt(k, errShortValue)
		}
		if p.sub == subMsg {
			cur = nil
			if !v.live(p.seq, ln) {
				continue
			}
			if len(out) == limit {
				break
			}
			val, err := it.ValueAndErr()
			if err != nil {
				return nil, engineError("read", v.s.dir, err)
			}
			m, err := decodeMessage(val, v.name, p.seq)
			if err != nil {
				return nil, v.corrupt(k, err)
			}
			m.Attempt = 0
			cur = &store.Record{Kind: store.KindMessage, Command: v.name, Msg: m}
			out = append(out, cur)
			continue
		}
		if cur == nil || p.seq != cur.Msg.Seq {
			continue
		}
		if err := addSubKey(cur, p, it); err != nil {
			return nil, v.corrupt(k, err)
		}
	}
	if err := it.Error(); err != nil {
		return nil, engineError("read", v.s.dir, err)
	}
	return out, nil
}

func (v *pageView) corrupt(k []byte, err error) error {
	return fmt.Errorf("%w: %s: key %x: %w", store.ErrCorrupt, v.s.dir, k, err)
}

// addSubKey adds an ack or attempts sub-key of r's message to r.
func addSubKey(r *store.Record, p queueKeyParts, it *pebble.Iterator) error {
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
	case subResult:
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if r.Answer, err = decodeResult(v, r.Msg); err != nil {
			return err
		}
	}
	return nil
}

// mergeBySeq merges two Seq-ordered pages into one of at most limit.
func mergeBySeq(a, b []*store.Record, limit int) []*store.Record {
	if len(a) == 0 {
		return b[:min(limit, len(b))]
	}
	out := make([]*store.Record, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || (len(a) > 0 && a[0].Msg.Seq < b[0].Msg.Seq) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}
