package pebblestore

// lane says which key range holds a message. Messages appended in Seq order
// live in the main lane, above the command's watermark. A message written
// again with a Seq the watermark already passed (a dead letter replayed
// with its old Seq) lives in the low lane, so that the watermark never has
// to move back.
type lane byte

const (
	laneMain lane = 0
	laneLow  lane = 1
)

// liveMap tracks one command's undone messages and its ack watermark, so
// that acks need no reads and restart can seek past everything done.
//
// Invariants: every main-lane seq below floor is done; live holds the
// undone main-lane seqs, all >= floor; next is one past the highest seq
// that has main-lane keys, and floor <= next. floor only grows. holes
// holds the seqs >= floor whose message was deleted by itself (acked out of
// order): sub-keys may remain under them. Every other seq in [floor, next)
// outside live has no keys, so an append there (writers racing, seqs
// arriving slightly out of order) needs no cleanup. low holds
// the undone low-lane seqs; they are below floor except after a crash that
// kept a low-lane write but lost the ack that moved the watermark, so low
// is consulted first.
//
// liveMap is not safe for concurrent use; the store's index lock guards it.
type liveMap struct {
	floor uint64 // the watermark: every main-lane seq below it is done
	next  uint64 // one past the highest main-lane seq appended
	swept uint64 // main-lane keys below it were range-deleted
	live  seqSet // undone main-lane seqs
	// marked holds the undone main-lane seqs that Load reads in full
	// (see blockCounts).
	marked seqSet
	holes  seqSet              // main-lane seqs >= floor done out of order
	low    map[uint64]struct{} // undone low-lane seqs
	// groups holds each group's acks and attempts of undone main-lane
	// messages (see groupCounts), for the groups that have some;
	// spareMarks is the last one emptied, for the next one made.
	groups     map[string]*groupMarks
	spareMarks *groupMarks
}

// locate reports where seq's keys are and whether it is undone.
func (m *liveMap) locate(seq uint64) (lane, bool) {
	if m.inLow(seq) {
		return laneLow, true
	}
	if seq >= m.floor {
		return laneMain, m.live.has(seq)
	}
	return laneLow, false
}

// inLow reports whether seq is an undone low-lane message. The low map is
// authoritative for its members, whatever the watermark.
func (m *liveMap) inLow(seq uint64) bool {
	if len(m.low) == 0 {
		return false
	}
	_, ok := m.low[seq]
	return ok
}

// add records an appended message. clean is true when no key can exist
// under seq yet, so the append needs no deletion of stale sub-keys; added
// is true when seq was not undone before.
func (m *liveMap) add(seq uint64) (l lane, clean, added bool) {
	if seq >= m.floor && !m.inLow(seq) {
		hole := m.holes.remove(seq)
		added = m.live.add(seq)
		m.next = max(m.next, seq+1)
		return laneMain, added && !hole, added
	}
	clean = !m.inLow(seq)
	m.addLow(seq)
	return laneLow, clean, clean
}

// lowIn reports whether the low lane holds a seq of [lo, hi): a crash
// can leave a message in both lanes, and the block is then read, so that
// the stale main-lane copy is skipped.
func (m *liveMap) lowIn(lo, hi uint64) bool {
	for seq := range m.low {
		if seq >= lo && seq < hi {
			return true
		}
	}
	return false
}

// addLow records an undone low-lane message.
func (m *liveMap) addLow(seq uint64) {
	if m.low == nil {
		m.low = make(map[uint64]struct{})
	}
	m.low[seq] = struct{}{}
}

// done records that seq is finished. wasLive is false for a seq that was
// not undone. For a main-lane seq, pointDelete is true when the watermark
// did not pass it, so its key must be deleted by itself.
func (m *liveMap) done(seq uint64) (l lane, wasLive, pointDelete bool) {
	if m.inLow(seq) {
		delete(m.low, seq)
		return laneLow, true, false
	}
	if seq < m.floor {
		return laneLow, false, false
	}
	if !m.live.remove(seq) {
		return laneMain, false, false
	}
	if lowest, ok := m.live.min(); ok {
		m.floor = max(m.floor, lowest)
	} else {
		m.floor = max(m.floor, m.next)
	}
	if seq >= m.floor {
		m.holes.add(seq)
		return laneMain, true, true
	}
	for {
		h, ok := m.holes.min()
		if !ok || h >= m.floor {
			break
		}
		m.holes.remove(h)
	}
	return laneMain, true, false
}

// doneRange records that every main-lane seq of [from, to) is finished
// (their keys range-deleted) and calls counted with the change of the
// counts of each block that lost some (its first seq, the change), and
// groupCounted with that of each group's counts of the block.
func (m *liveMap) doneRange(from, to uint64, counted func(seq uint64, d blockCounts), groupCounted func(seq uint64, group string, d groupCounts)) {
	for lo := max(from, m.floor); lo < to; {
		hi := min(to, (lo>>blockShift+1)<<blockShift)
		d := blockCounts{n: -int64(m.live.removeRange(lo, hi)), marked: -int64(m.marked.removeRange(lo, hi))}
		if d != (blockCounts{}) {
			counted(lo, d)
		}
		m.unmarkRange(lo, hi, func(group string, d groupCounts) { groupCounted(lo, group, d) })
		m.holes.removeRange(lo, hi)
		lo = hi
	}
	if lowest, ok := m.live.min(); ok {
		m.floor = max(m.floor, lowest)
	} else {
		m.floor = max(m.floor, m.next)
	}
	for {
		h, ok := m.holes.min()
		if !ok || h >= m.floor {
			break
		}
		m.holes.remove(h)
	}
}

// hole records that sub-keys without a message were found under seq.
func (m *liveMap) hole(seq uint64) {
	if seq >= m.floor {
		m.holes.add(seq)
	}
}

// sweep returns the main-lane seq range [from, to) that is done and not yet
// range-deleted, once it spans at least every seqs, and marks it swept.
func (m *liveMap) sweep(every uint64) (from, to uint64, ok bool) {
	if m.floor-m.swept < every {
		return 0, 0, false
	}
	from, to = m.swept, m.floor
	m.swept = m.floor
	return from, to, true
}

// reset sets the state Load starts from: the persisted watermark. Load then
// adds each undone message with add or addLow.
func (m *liveMap) reset(floor uint64) {
	*m = liveMap{floor: floor, next: floor}
}
