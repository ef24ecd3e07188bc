package router

import "iter"

// tailIndex finds the record of a tail message by its producer and ID. It
// is keyed by the ID alone, which is nearly always unique, and chains the
// records of one ID from different producers: keyed by both, a slot of
// its map took 40 bytes instead of 24, and a backlog of a million requests
// holds a million records.
type tailIndex struct {
	byID map[ID]*tailRec
}

func newTailIndex() tailIndex { return tailIndex{byID: make(map[ID]*tailRec)} }

// get returns the record of key, or nil.
func (x *tailIndex) get(key dedupKey) *tailRec {
	for rec := x.byID[key.id]; rec != nil; rec = rec.more.nextSameID() {
		if rec.key.producer == key.producer {
			return rec
		}
	}
	return nil
}

// put indexes rec, which is not indexed and chains to no record, and
// returns the record of its key it replaces, no longer indexed, or nil.
func (x *tailIndex) put(rec *tailRec) (old *tailRec) {
	head := x.byID[rec.key.id]
	var prev *tailRec
	for cur := head; cur != nil; prev, cur = cur, cur.more.nextSameID() {
		if cur.key.producer != rec.key.producer {
			continue
		}
		if next := cur.more.nextSameID(); next != nil {
			rec.extra().sameID = next
			cur.more.sameID = nil
		}
		if prev == nil {
			x.byID[rec.key.id] = rec
		} else {
			prev.more.sameID = rec
		}
		return cur
	}
	if head != nil {
		rec.extra().sameID = head
	}
	x.byID[rec.key.id] = rec
	return nil
}

// remove takes rec out of the index if it is there.
func (x *tailIndex) remove(rec *tailRec) {
	var prev *tailRec
	for cur := x.byID[rec.key.id]; cur != nil; prev, cur = cur, cur.more.nextSameID() {
		if cur != rec {
			continue
		}
		next := rec.more.nextSameID()
		switch {
		case prev != nil:
			prev.more.sameID = next
		case next != nil:
			x.byID[rec.key.id] = next
		default:
			delete(x.byID, rec.key.id)
		}
		if rec.more != nil {
			rec.more.sameID = nil
		}
		return
	}
}

// all yields every record, in no particular order. The caller may remove
// the record it is given.
func (x *tailIndex) all() iter.Seq[*tailRec] {
	return func(yield func(*tailRec) bool) {
		for _, head := range x.byID {
			for rec := head; rec != nil; {
				next := rec.more.nextSameID()
				if !yield(rec) {
					return
				}
				rec = next
			}
		}
	}
}
