package pebblestore

import (
	"encoding/binary"
	"slices"
)

// Group counts let a restart count, without reading it, a block of a
// command whose messages one durable group is done with while another
// still has them all to take (its consumers are away): for each block
// and each group with marks on its undone main-lane messages, the store
// keeps how many of them the group acked and how many it was handed and
// has not acked ('k' records, written in the batches that change them,
// as the block's counts are). At Load, a block that its counts vouch for
// is counted, not read, when each group with marks on it (but a ghost,
// see loader.ghost) is a durable group that acked all of its messages
// (and so takes none of them) or none, and has none handed and not
// acked. In a block that is read, a message that only durable groups
// acked is counted too (see loader.staysLight).

// groupCounts are one group's marks on one block's undone main-lane
// messages.
type groupCounts struct {
	acked int64 // messages the group acked
	tried int64 // messages handed to the group that it has not acked
}

func (g *groupCounts) add(o groupCounts) {
	g.acked += o.acked
	g.tried += o.tried
}

func appendGroupCounts(dst []byte, g groupCounts) []byte {
	return appendVarints(dst, g.acked, g.tried)
}

func decodeGroupCounts(v []byte) (groupCounts, error) {
	var g groupCounts
	err := decodeVarints(v, "group counts", &g.acked, &g.tried)
	return g, err
}

// groupMarks are one group's marks on a command's undone main-lane
// messages, which its group counts count.
type groupMarks struct {
	acked seqSet // messages the group acked
	tried seqSet // messages handed to the group that it has not acked
}

func (gm *groupMarks) empty() bool { return gm.acked.len() == 0 && gm.tried.len() == 0 }

// marks returns group's marks, made empty if it has none.
func (m *liveMap) marks(group string) *groupMarks {
	gm := m.groups[group]
	if gm == nil {
		if m.groups == nil {
			m.groups = make(map[string]*groupMarks)
		}
		gm, m.spareMarks = m.spareMarks, nil
		if gm == nil {
			gm = new(groupMarks)
		}
		m.groups[group] = gm
	}
	return gm
}

// forgetMarks drops group's marks, which are empty, keeping them for the
// next group that gets some: a lone producer's message, attempted and
// finished at once, allocates nothing.
func (m *liveMap) forgetMarks(group string, gm *groupMarks) {
	delete(m.groups, group)
	m.spareMarks = gm
}

// markAck records that group acked undone main-lane message seq, and
// returns the change of the group's counts.
func (m *liveMap) markAck(group string, seq uint64) (d groupCounts) {
	gm := m.marks(group)
	if gm.acked.add(seq) {
		d.acked = 1
	}
	if gm.tried.remove(seq) {
		d.tried = -1
	}
	return d
}

// markAttempt records that undone main-lane message seq was handed to
// group, and returns the change of the group's counts: none when the
// group acked it.
func (m *liveMap) markAttempt(group string, seq uint64) (d groupCounts) {
	gm := m.marks(group)
	if !gm.acked.has(seq) && gm.tried.add(seq) {
		d.tried = 1
	}
	return d
}

// unmarkRange forgets every group's marks on the main-lane seqs of [lo,
// hi), within one block, whose sub-keys are gone, and calls counted with
// the change of each group's counts that had some. A group left without
// marks is forgotten.
func (m *liveMap) unmarkRange(lo, hi uint64, counted func(group string, d groupCounts)) {
	for name, gm := range m.groups {
		d := groupCounts{acked: -int64(gm.acked.removeRange(lo, hi)), tried: -int64(gm.tried.removeRange(lo, hi))}
		if d != (groupCounts{}) {
			counted(name, d)
		}
		if gm.empty() {
			m.forgetMarks(name, gm)
		}
	}
}

// dropMarks forgets group's marks (the group was deleted) and calls
// counted with the change of its counts of each block it had marks on
// (the block's first seq, the change).
func (m *liveMap) dropMarks(group string, counted func(seq uint64, d groupCounts)) {
	gm := m.groups[group]
	if gm == nil {
		return
	}
	delete(m.groups, group)
	defer func() { m.spareMarks = gm }()
	for _, set := range []*seqSet{&gm.acked, &gm.tried} {
		for {
			seq, ok := set.min()
			if !ok {
				break
			}
			lo := seq &^ (1<<blockShift - 1)
			n := -int64(set.removeRange(lo, lo+1<<blockShift))
			if set == &gm.acked {
				counted(lo, groupCounts{acked: n})
			} else {
				counted(lo, groupCounts{tried: n})
			}
		}
	}
}

// namedCounts are the counts of a group's marks on a block.
type namedCounts struct {
	group  string
	counts groupCounts
}

// groupBlocks reads the counts of the groups' marks on c's blocks from
// the watermark's up, by block.
func (l *loader) groupBlocks(c *command) (map[uint64][]namedCounts, error) {
	out := make(map[uint64][]namedCounts)
	if !l.progress {
		return out, nil
	}
	p := cmdPrefix(pfxGroupCounts, c.id)
	err := l.scanRange(groupCountsKey(c.id, c.floor>>blockShift, ""), prefixEnd(p), func(k, v []byte) error {
		if len(k) < len(p)+8 {
			return l.corrupt(k, errShortValue)
		}
		gc, err := decodeGroupCounts(v)
		if err != nil {
			return l.corrupt(k, err)
		}
		block := binary.BigEndian.Uint64(k[len(p):])
		out[block] = append(out[block], namedCounts{group: string(k[len(p)+8:]), counts: gc})
		return nil
	})
	return out, err
}

// countMarks adds the marks of the groups of done, which acked every
// message of the counted block range [lo, hi) of c, to c's index.
func countMarks(c *command, lo, hi uint64, done []string) {
	for _, g := range done {
		c.marks(g).acked.addRange(lo, hi)
	}
}

// putGroupsRight merges into the load's batch what the groups' counts
// of c's block need to be those of the block as read, got.
func (l *loader) putGroupsRight(c *command, block uint64, rec []namedCounts, got map[string]groupCounts) {
	for _, gc := range rec {
		g := got[gc.group]
		g.acked -= gc.counts.acked
		g.tried -= gc.counts.tried
		got[gc.group] = g
	}
	for group, d := range got {
		if d != (groupCounts{}) {
			_ = l.batch().Merge(groupCountsKey(c.id, block, group), appendGroupCounts(nil, d), nil)
		}
	}
}

// markSub adds the sub-key sub of group, read under undone main-lane
// message seq of c, to c's index and to the counts of the block being
// read; a sub-key that is neither an ack nor an attempt sets mark.
func (l *loader) markSub(c *command, seq uint64, sub byte, group string, mark *bool) {
	var d groupCounts
	switch sub {
	case subAck:
		d = c.markAck(group, seq)
	case subAttempt:
		d = c.markAttempt(group, seq)
	default:
		*mark = true
		return
	}
	g := l.gotGroups[group]
	g.add(d)
	l.gotGroups[group] = g
}

// staysLight reports whether a message past the head read so far as one
// to count in the tail stays one with its sub-key k (of parts p), of
// value v: an ack of a durable group (kept in lightAcked: the group does
// not take the message), an attempt of a group that acked it, or an ack
// or attempt of a ghost. The sub-key is kept in lightSubs.
func (l *loader) staysLight(k []byte, p queueKeyParts, v []byte) bool {
	switch {
	case (p.sub == subAck || p.sub == subAttempt) && l.ghost(p.group):
	case p.sub == subAck && l.durable(p.group):
		l.lightAcked = append(l.lightAcked, p.group)
	case p.sub == subAttempt && slices.Contains(l.lightAcked, p.group):
	default:
		return false
	}
	l.lightSubs = append(l.lightSubs, lightSub{k: slices.Clone(k), p: p, v: slices.Clone(v)})
	return true
}
