package router

// dedupFIFO holds the dedup entries of messages going to a tail (toTail,
// RestoreTailID), in the order they came, which is the order of their
// expiry: each is remembered for Config.DedupWindow from then. Such an
// entry is forgotten when its message is loaded back (Router.Load), mostly
// in that same order; a binary heap would pay a walk to its bottom for
// each. An entry forgotten out of order leaves a hole that the front skips
// once it gets there; the front is never a hole. Holes past half of the
// queue are compacted away.
type dedupFIFO struct {
	q    []*dedupEntry // q[head:] in order of expiry, holes included
	head int
	live int   // entries of q[head:] that are not holes
	last int64 // the expiry of the newest entry pushed
}

// push appends e, which expires at e.expires, and reports whether it did:
// an entry that expires before the newest one (the clock went back) does
// not go in.
func (f *dedupFIFO) push(e *dedupEntry) bool {
	if f.live > 0 && e.expires < f.last {
		return false
	}
	f.q = append(f.q, e)
	f.last = e.expires
	f.live++
	e.inFIFO = true
	return true
}

// front returns the entry due to expire first, nil if none.
func (f *dedupFIFO) front() *dedupEntry {
	if f.live == 0 {
		return nil
	}
	return f.q[f.head]
}

// remove takes e, an entry of f, out: at the front at once, elsewhere as a
// hole.
func (f *dedupFIFO) remove(e *dedupEntry) {
	e.inFIFO = false
	f.live--
	if f.live == 0 {
		clear(f.q)
		f.q, f.head = f.q[:0], 0
		return
	}
	for !f.q[f.head].inFIFO { // skip to the first entry left
		f.q[f.head] = nil
		f.head++
	}
	if n := len(f.q) - f.head; f.head > 1024 && f.head > n {
		f.q = append(f.q[:0], f.q[f.head:]...) // the front went past the first half
		clear(f.q[n:cap(f.q)][:f.head])
		f.head = 0
	} else if holes := n - f.live; holes > 1024 && holes > f.live {
		f.compact()
	}
}

// compact drops the holes.
func (f *dedupFIFO) compact() {
	out := f.q[:0]
	for _, e := range f.q[f.head:] {
		if e.inFIFO {
			out = append(out, e)
		}
	}
	clear(f.q[len(out):])
	f.q, f.head = out, 0
}
