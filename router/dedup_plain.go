package router

// plainSlot is a plain ID of the dedup window in Router.plainExp.
type plainSlot struct {
	key     dedupKey
	expires int64
}

// plainFIFO holds the plain IDs of the dedup window (finished messages
// without a result, most of the window: Router.dedup keeps only their
// expiry, no dedupEntry) in the order they came, which is the order of
// their expiry: each is kept for Config.DedupWindow from its finish. A
// slot whose ID was forgotten out of order, or remembered again since,
// stays until it reaches the front (Router.plainFront drops it there);
// stale counts them, and past half of the slots they are compacted away.
type plainFIFO struct {
	q     []plainSlot // q[head:] in order of expiry
	head  int
	stale int
}

// fits reports whether an ID that expires at expires may go at the back.
func (f *plainFIFO) fits(expires int64) bool {
	return f.head == len(f.q) || expires >= f.q[len(f.q)-1].expires
}

func (f *plainFIFO) push(key dedupKey, expires int64) {
	f.q = append(f.q, plainSlot{key, expires})
}

// addPlain keeps the plain ID key (a finished message without a result,
// not in the window) until expires, in the plain FIFO when the order of
// expiry allows, else as an entry of the dedup heap.
func (r *Router) addPlain(key dedupKey, expires int64) {
	if !r.plainExp.fits(expires) {
		r.add(&dedupEntry{key: key, idx: -1}, expires)
		return
	}
	r.dedup[key] = dedupRef{expires: expires}
	r.plainExp.push(key, expires)
	r.bound()
}

// forgetPlain drops the plain ID key from the dedup window; its slot
// goes stale.
func (r *Router) forgetPlain(key dedupKey) {
	delete(r.dedup, key)
	f := &r.plainExp
	f.stale++
	if n := len(f.q) - f.head; f.stale > 1024 && 2*f.stale > n {
		r.compactPlain()
	}
}

// plainFront returns the plain ID due to expire first, dropping the stale
// slots before it.
func (r *Router) plainFront() (plainSlot, bool) {
	f := &r.plainExp
	for f.head < len(f.q) {
		s := f.q[f.head]
		if ref, ok := r.dedup[s.key]; ok && ref.e == nil && ref.expires == s.expires {
			return s, true
		}
		f.q[f.head] = plainSlot{}
		f.head++
		f.stale--
		if f.head > 1024 && 2*f.head > len(f.q) {
			n := copy(f.q, f.q[f.head:])
			clear(f.q[n:])
			f.q, f.head = f.q[:n], 0
		}
	}
	f.q, f.head, f.stale = f.q[:0], 0, 0
	return plainSlot{}, false
}

// compactPlain drops the stale slots of the plain FIFO.
func (r *Router) compactPlain() {
	f := &r.plainExp
	out := f.q[:0]
	kept := make(map[dedupKey]bool)
	for _, s := range f.q[f.head:] {
		if ref, ok := r.dedup[s.key]; ok && ref.e == nil && ref.expires == s.expires && !kept[s.key] {
			kept[s.key] = true
			out = append(out, s)
		}
	}
	clear(f.q[len(out):])
	f.q, f.head, f.stale = out, 0, 0
}
