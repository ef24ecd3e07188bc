package pebblestore

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/teonet-go/teomq/store"
)

// progressEvery is how often a long Load logs its progress. It is
// checked every progressCheck records.
var progressEvery = time.Second

const progressCheck = 4096

// Load calls fn for every record: per command (in order of creation) its
// groups, its messages in Seq order (with AckedBy and Attempts filled) and
// its dead letters; then the unexpired mailbox answers and dedup records.
// Expired mailbox and dedup records are deleted. Load also rebuilds the
// store's index of undone messages, so call it once before the first
// Write; fn must not call Write. An error from fn stops Load and is
// returned. It logs its progress every second.
func (s *PebbleStore) Load(fn func(*store.Record) error) error {
	return s.LoadHead(0, nil, fn)
}

var _ store.HeadLoader = (*PebbleStore)(nil)

// LoadHead is Load that counts the messages past the first head of each
// command, when light accepts them and no group has them but those that
// acked them (durable groups: Takes leaves them out) and ghosts (see
// loader.ghost), in one store.KindTail record per command (see
// store.HeadLoader); head 0 or a nil light: none. It reads the progress
// records and the blocks of the queue they do not vouch for (see
// blockCounts, groupCounts), not the whole queue: messages that are
// requests or have a deadline are marked in their block's counts, and
// the groups' acks and attempts counted by group, so that the blocks of
// such messages are read. light should accept no message with
// store.MessageRequest set or a deadline.
//
// A store written before progress records has none: its first Load reads
// every queue in full and writes them. That stays on the start path since
// the index must be whole before the first Write.
func (s *PebbleStore) LoadHead(head int, light func(flags uint8, deadline int64) bool, fn func(*store.Record) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.writers.Wait()
	return s.loadHead(head, light, fn)
}

// load reads the store, reporting to fn when it is not nil, and installs
// the index it rebuilt. Called with mu held and no writer in flight.
func (s *PebbleStore) load(fn func(*store.Record) error) error { return s.loadHead(0, nil, fn) }

func (s *PebbleStore) loadHead(head int, light func(flags uint8, deadline int64) bool, fn func(*store.Record) error) error {
	l := &loader{s: s, fn: fn, now: time.Now().UnixMilli(), start: time.Now(), gotGroups: make(map[string]groupCounts)}
	if head > 0 && light != nil {
		l.head, l.light = head, light
	}
	l.lastLog = l.start
	idx, err := l.run()
	if err != nil {
		return err
	}
	s.idx = idx
	s.log.Info("store: loaded", "dir", s.dir, "commands", len(idx.cmds),
		"messages", l.undone, "records", l.records, "duration", time.Since(l.start))
	return nil
}

// loader is one pass of Load over the store.
type loader struct {
	s       *PebbleStore
	fn      func(*store.Record) error // nil: rebuild the index only
	now     int64                     // unix ms; records expiring at or before it are dropped
	cleanup *pebble.Batch             // deletions of expired records
	start   time.Time
	lastLog time.Time
	records int
	undone  int

	// head and light: see LoadHead. emitted counts the command's messages
	// handed to fn in full; val is the value of a message past the head,
	// kept until its sub-keys are read, in case it must be decoded after
	// all.
	head    int
	light   func(flags uint8, deadline int64) bool
	emitted int
	val     []byte

	// progress is set when the store keeps progress records. tail
	// counts the command's messages past the head left in the store, for
	// its KindTail record, and tailID is the reused KindTailID record,
	// for the messages of the two newest blocks (newest is set while they
	// are read); groups are the command's durable groups.
	progress bool
	tail     store.Record
	tailID   store.Record
	newest   bool
	groups   []groupStart
	// gotGroups counts the groups' marks on the block being read.
	gotGroups map[string]groupCounts
	// lightAcked holds the durable groups that acked the message past
	// the head being read, while it may still be counted in the tail,
	// and lightSubs the sub-keys read meanwhile, for its record if it
	// is handed over in full after all.
	lightAcked []string
	lightSubs  []lightSub
}

// lightSub is a sub-key of a message that may be counted in the tail:
// its key, its parts and its value.
type lightSub struct {
	k []byte
	p queueKeyParts
	v []byte
}

func (l *loader) run() (idx index, err error) {
	defer func() {
		if l.cleanup != nil {
			_ = l.cleanup.Close()
		}
	}()
	idx = index{cmds: make(map[string]*command), nextID: 1}
	switch _, closer, err := l.s.db.Get(progressKey); {
	case err == nil:
		l.progress = true
		_ = closer.Close()
	case !errors.Is(err, pebble.ErrNotFound):
		return idx, l.readErr(err)
	}
	cmds, err := l.commands(&idx)
	if err != nil {
		return idx, err
	}
	if !l.progress && len(cmds) > 0 {
		l.s.log.Info("store: no progress records yet: reading every queue once to write them", "dir", l.s.dir)
	}
	for _, c := range cmds {
		if err := l.command(c); err != nil {
			return idx, err
		}
	}
	if err := l.mailbox(); err != nil {
		return idx, err
	}
	if err := l.dedup(); err != nil {
		return idx, err
	}
	if !l.progress {
		_ = l.batch().Set(progressKey, nil, nil)
	}
	if err := l.cleanup.Commit(pebble.NoSync); err != nil {
		return idx, l.s.fail(err)
	}
	if f := l.s.failed.Load(); f != nil {
		return idx, f.err
	}
	idx.built = true
	return idx, nil
}

// commands reads the command table and the watermarks, and returns the
// commands in ID order.
func (l *loader) commands(idx *index) ([]*command, error) {
	byID := make(map[uint32]*command)
	err := l.scan([]byte{pfxCommand}, func(k, v []byte) error {
		if len(v) != cmdIDLen {
			return l.corrupt(k, errShortValue)
		}
		c := &command{id: binary.BigEndian.Uint32(v), name: string(k[1:])}
		idx.cmds[c.name] = c
		byID[c.id] = c
		idx.nextID = max(idx.nextID, c.id+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = l.scan([]byte{pfxFloor}, func(k, v []byte) error {
		if len(k) != 1+cmdIDLen || len(v) != 8 {
			return l.corrupt(k, errShortValue)
		}
		if c := byID[binary.BigEndian.Uint32(k[1:])]; c != nil {
			c.floor = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cmds := make([]*command, 0, len(byID))
	for _, c := range byID {
		c.reset(c.floor)
		c.floorWritten = c.floor
		cmds = append(cmds, c)
	}
	slices.SortFunc(cmds, func(a, b *command) int { return cmp.Compare(a.id, b.id) })
	return cmds, nil
}

// command reads one command's groups, messages and dead letters.
func (l *loader) command(c *command) error {
	l.groups = l.groups[:0]
	err := l.scan(cmdPrefix(pfxGroup, c.id), func(k, v []byte) error {
		from, also, err := decodeGroupStart(v)
		if err != nil {
			return l.corrupt(k, err)
		}
		l.groups = append(l.groups, groupStart{name: string(k[1+cmdIDLen:]), from: from, also: also})
		return l.emit(&store.Record{Kind: store.KindGroup, Command: c.name, Group: string(k[1+cmdIDLen:]), Seq: from, Seqs: also})
	})
	if err != nil {
		return err
	}
	if err := l.messages(c); err != nil {
		return err
	}
	return l.scan(cmdPrefix(pfxDead, c.id), func(k, v []byte) error {
		if len(k) < deadSeqLen {
			return l.corrupt(k, errShortValue)
		}
		if l.fn == nil {
			return nil
		}
		m, err := decodeMessage(v, c.name, binary.BigEndian.Uint64(k[1+cmdIDLen:]))
		if err != nil {
			return l.corrupt(k, err)
		}
		return l.emit(&store.Record{Kind: store.KindDeadLetter, Command: c.name, Group: string(k[deadSeqLen:]), Msg: m})
	})
}

// messages reads a command's undone messages: the low lane (rare, kept in
// memory) merged by Seq with the main lane from the watermark up, a block
// at a time. A block that its counts vouch for and that holds nothing to
// hand over in full is counted, not read; the counts of a block that is
// read are put right if they disagree with it. The messages past the head
// left in the store come last, in one KindTail record.
func (l *loader) messages(c *command) error {
	l.emitted, l.newest = 0, false
	l.tail = store.Record{Kind: store.KindTail, Command: c.name}
	var low []*store.Record
	lower, upper := laneBounds(c.id, laneLow)
	_, err := l.lane(c, laneLow, lower, upper, func(r *store.Record) error {
		low = append(low, r)
		return nil
	})
	if err != nil {
		return err
	}
	emit := func(r *store.Record) error {
		for len(low) > 0 && low[0].Msg.Seq < r.Msg.Seq {
			if err := l.emit(low[0]); err != nil {
				return err
			}
			low = low[1:]
		}
		return l.emit(r)
	}
	blocks, last, err := l.blocks(c)
	if err != nil {
		return err
	}
	groupBlocks, err := l.groupBlocks(c)
	if err != nil {
		return err
	}
	next, err := l.next(c, last)
	if err != nil {
		return err
	}
	for base := c.floor &^ (1<<blockShift - 1); base < next; base += 1 << blockShift {
		lo, hi := max(base, c.floor), min(base+1<<blockShift, next)
		rec, gcs := blocks[base>>blockShift], groupBlocks[base>>blockShift]
		// The two newest blocks are read: the last gives next, and both
		// the IDs of the newest messages.
		l.newest = base+2<<blockShift >= next
		if !l.newest && !c.lowIn(lo, hi) {
			if done, ok := l.countOnly(rec, gcs, lo, hi); ok {
				c.live.addRange(lo, hi)
				countMarks(c, lo, hi, done)
				l.undone += int(hi - lo)
				l.addTail(lo, hi, rec.bytes, done)
				continue
			}
		}
		clear(l.gotGroups)
		got, err := l.lane(c, laneMain, appendQueueSeq(nil, c.id, laneMain, lo), appendQueueSeq(nil, c.id, laneMain, hi), emit)
		if err != nil {
			return err
		}
		if got != rec {
			_ = l.batch().Merge(blockKey(c.id, base>>blockShift), appendBlockCounts(nil, got.minus(rec)), nil)
		}
		l.putGroupsRight(c, base>>blockShift, gcs, l.gotGroups)
	}
	for _, r := range low {
		if err := l.emit(r); err != nil {
			return err
		}
	}
	if l.tail.Count > 0 {
		if err := l.emit(&l.tail); err != nil {
			return err
		}
	}
	if c.live.len() == 0 && c.floor > 1 && l.fn != nil {
		// No message restored says how far the command's Seqs went.
		return l.emit(&store.Record{Kind: store.KindSeq, Command: c.name, Seq: c.floor - 1})
	}
	return nil
}

// lane reads one lane's messages in [lower, upper), adds each to the
// command's live state, and hands each (with its acks and attempts) to
// emit, or counts it in the store.KindTail record when it is light and past the
// head. A main-lane message that the low lane also holds is stale and
// skipped; so are sub-keys whose message is gone. It returns the counts
// of the main-lane messages it read.
func (l *loader) lane(c *command, ln lane, lower, upper []byte, emit func(*store.Record) error) (got blockCounts, err error) {
	var cur *store.Record
	var curSeq uint64
	var curSize int
	// mark: the message is counted as marked (see blockCounts).
	have, lightSeq, mark := false, false, false
	flush := func() error {
		if !have {
			return nil
		}
		have = false
		l.undone++
		if ln == laneMain {
			got.add(blockCounts{n: 1, bytes: int64(curSize)})
			if mark {
				got.marked++
				c.marked.add(curSeq)
			}
		}
		if lightSeq {
			lightSeq = false
			l.addTail(curSeq, curSeq+1, int64(curSize), l.lightAcked)
			if !l.newest {
				return nil
			}
			return l.emitTailID(c, curSeq)
		}
		if cur == nil {
			return nil
		}
		return emit(cur)
	}
	err = l.scanRange(lower, upper, func(k, v []byte) error {
		p, ok := parseQueueKey(k)
		if !ok {
			return l.corrupt(k, errShortValue)
		}
		if ln == laneMain {
			// Sub-keys may outlive their message; an append at or
			// above next must find no keys.
			c.next = max(c.next, p.seq+1)
		}
		if p.sub == subMsg {
			if err := flush(); err != nil {
				return err
			}
			if ln == laneMain && c.inLow(p.seq) {
				return nil
			}
			if ln == laneLow {
				c.addLow(p.seq)
			} else {
				c.add(p.seq)
			}
			flags, deadline, size, ok := messageHeader(v)
			if !ok {
				return l.corrupt(k, errShortValue)
			}
			have, curSeq, cur, lightSeq = true, p.seq, nil, false
			l.lightAcked, l.lightSubs = l.lightAcked[:0], l.lightSubs[:0]
			curSize, mark = size, flags&store.MessageRequest != 0 || deadline != 0
			if l.fn == nil {
				return nil
			}
			if ln == laneMain && l.isLight(flags, deadline) {
				l.val = append(l.val[:0], v...)
				lightSeq = true
				return nil
			}
			m, err := decodeMessage(v, c.name, p.seq)
			if err != nil {
				return l.corrupt(k, err)
			}
			m.Attempt = 0
			cur = &store.Record{Kind: store.KindMessage, Command: c.name, Msg: m}
			return nil
		}
		if !have || p.seq != curSeq {
			if ln == laneMain {
				c.hole(p.seq)
			}
			return nil
		}
		if ln == laneMain {
			l.markSub(c, curSeq, p.sub, p.group, &mark)
		}
		if lightSeq && l.staysLight(k, p, v) {
			return nil
		}
		if lightSeq { // attempted, or acked by a group that is not durable: decoded after all
			lightSeq = false
			m, err := decodeMessage(l.val, c.name, curSeq)
			if err != nil {
				return l.corrupt(k, err)
			}
			m.Attempt = 0
			cur = &store.Record{Kind: store.KindMessage, Command: c.name, Msg: m}
			for _, d := range l.lightSubs {
				if err := l.addSub(cur, d.k, d.p, d.v); err != nil {
					return err
				}
			}
		}
		if cur == nil {
			return nil
		}
		return l.addSub(cur, k, p, v)
	})
	if err != nil {
		return got, err
	}
	return got, flush()
}

// addSub adds the sub-key p of message record cur, of value v, to the
// record; k is the key, for an error.
func (l *loader) addSub(cur *store.Record, k []byte, p queueKeyParts, v []byte) error {
	switch p.sub {
	case subAck:
		cur.AckedBy = append(cur.AckedBy, p.group)
	case subAttempt:
		a, n := binary.Uvarint(v)
		if n <= 0 || a > uint64(^uint32(0)) {
			return l.corrupt(k, errShortValue)
		}
		if cur.Attempts == nil {
			cur.Attempts = make(map[string]uint32)
		}
		cur.Attempts[p.group] = uint32(a)
		cur.Msg.Attempt = max(cur.Msg.Attempt, uint32(a))
	case subResult:
		a, err := decodeResult(v, cur.Msg)
		if err != nil {
			return l.corrupt(k, err)
		}
		cur.Answer = a
	}
	return nil
}

// emitTailID hands the ID and producer of message seq of c, counted in
// the tail, whose value is in l.val, as a store.KindTailID record (reused).
func (l *loader) emitTailID(c *command, seq uint64) error {
	id, from, ok := messageOrigin(l.val)
	if !ok {
		return l.corrupt(appendQueueSeq(nil, c.id, laneMain, seq), errShortValue)
	}
	l.tailID = store.Record{Kind: store.KindTailID, Command: c.name, Seq: seq, ID: id, Producer: from}
	return l.emit(&l.tailID)
}

// isLight reports whether a message of flags and deadline, past the
// command's head, is left in the store unless a sub-key says otherwise.
func (l *loader) isLight(flags uint8, deadline int64) bool {
	return l.head > 0 && l.emitted >= l.head && l.light(flags, deadline)
}

// mailbox reads the mailbox, deleting expired answers.
func (l *loader) mailbox() error {
	return l.scan([]byte{pfxMailbox}, func(k, v []byte) error {
		if len(k) < mailboxKeyLen {
			return l.corrupt(k, errShortValue)
		}
		id := [16]byte(k[1:mailboxKeyLen])
		expires, a, err := decodeMailbox(v, id)
		if err != nil {
			return l.corrupt(k, err)
		}
		if expires <= l.now {
			l.batch().Delete(k, nil)
			return nil
		}
		return l.emit(&store.Record{Kind: store.KindMailbox, ID: id, Producer: a.Producer, Expires: expires, Answer: a})
	})
}

// dedup reads the unexpired dedup records and range-deletes the expired.
func (l *loader) dedup() error {
	first := dedupKey(l.now+1, [16]byte{}, "")
	l.batch().DeleteRange([]byte{pfxDedup}, first, nil)
	return l.scanRange(first, []byte{pfxDedup + 1}, func(k, v []byte) error {
		if len(k) < dedupKeyLen {
			return l.corrupt(k, errShortValue)
		}
		id := [16]byte(k[1+8 : dedupKeyLen])
		a, err := decodeDedup(v, id)
		if err != nil {
			return l.corrupt(k, err)
		}
		producer := string(k[dedupKeyLen:])
		if a != nil && producer == "" { // written before keys named the producer
			producer = a.Producer
		}
		expires := int64(binary.BigEndian.Uint64(k[1:]))
		return l.emit(&store.Record{Kind: store.KindDedup, ID: id, Producer: producer, Expires: expires, Answer: a})
	})
}

func (l *loader) batch() *pebble.Batch {
	if l.cleanup == nil {
		l.cleanup = l.s.db.NewBatch()
	}
	return l.cleanup
}

// emit hands r to fn and logs progress now and then.
func (l *loader) emit(r *store.Record) error {
	l.records++
	if r.Kind == store.KindMessage {
		l.emitted++
	}
	if l.records%progressCheck == 0 {
		if now := time.Now(); now.Sub(l.lastLog) >= progressEvery {
			l.lastLog = now
			l.s.log.Info("store: loading", "dir", l.s.dir, "records", l.records,
				"messages", l.undone, "elapsed", now.Sub(l.start).Round(time.Millisecond))
		}
	}
	if l.fn == nil {
		return nil
	}
	return l.fn(r)
}

// scan calls fn for every key with prefix p.
func (l *loader) scan(p []byte, fn func(k, v []byte) error) error {
	return l.scanRange(p, prefixEnd(p), fn)
}

// scanRange calls fn for every key in [lower, upper).
func (l *loader) scanRange(lower, upper []byte, fn func(k, v []byte) error) (err error) {
	it, err := l.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return l.readErr(err)
	}
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = l.readErr(cerr)
		}
	}()
	for it.First(); it.Valid(); it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return l.readErr(err)
		}
		if err := fn(it.Key(), v); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return l.readErr(err)
	}
	return nil
}

func (l *loader) readErr(err error) error {
	return engineError("load", l.s.dir, err)
}

func (l *loader) corrupt(k []byte, err error) error {
	return fmt.Errorf("%w: %s: key %x: %w", store.ErrCorrupt, l.s.dir, k, err)
}
