package router

// plainSlot is a plain ID of the dedup window in Router.plainExp.
type plainSlot struct {
	key     dedupKey
	expires int64
}

// plainBlock is how many slots one block of the plain FIFO holds.
const plainBlock = 4096

// plainFIFO holds the plain IDs of the dedup window (finished messages
// without a result, most of the window, and messages going to a tail:
// Router.dedup keeps only their expiry, no dedupEntry of their own) in
// the order they came, which is the order of their expiry: each is kept
// for Config.DedupWindow from its finish or its going to the tail. It
// grows and shrinks by blocks of plainBlock slots, so that a window of a
// million IDs is never copied to grow. A slot whose ID was forgotten out
// of order, or remembered again since, stays until it reaches the front
// (Router.plainFront drops it there); stale counts them, and past half of
// the slots they are compacted away.
type plainFIFO struct {
	blocks [][]plainSlot // blocks[0][head:], then the others, in order
	head   int
	n      int   // slots held, stale ones included
	stale  int   // slots whose ID is no longer in the window as that slot
	last   int64 // the expiry of the newest slot
}

// fits reports whether an ID that expires at expires may go at the back.
func (f *plainFIFO) fits(expires int64) bool { return f.n == 0 || expires >= f.last }

func (f *plainFIFO) push(key dedupKey, expires int64) {
	if k := len(f.blocks); k == 0 || len(f.blocks[k-1]) == plainBlock {
		f.blocks = append(f.blocks, make([]plainSlot, 0, plainBlock))
	}
	k := len(f.blocks) - 1
	f.blocks[k] = append(f.blocks[k], plainSlot{key, expires})
	f.n++
	f.last = expires
}

// front returns the oldest slot; f must not be empty.
func (f *plainFIFO) front() plainSlot { return f.blocks[0][f.head] }

// pop drops the oldest slot; f must not be empty.
func (f *plainFIFO) pop() {
	f.blocks[0][f.head] = plainSlot{}
	f.head++
	f.n--
	switch {
	case f.n == 0:
		*f = plainFIFO{}
	case f.head == plainBlock:
		f.blocks[0] = nil
		f.blocks = f.blocks[1:]
		f.head = 0
	}
}

// each calls fn with every slot, oldest first.
func (f *plainFIFO) each(fn func(plainSlot)) {
	for i, b := range f.blocks {
		if i == 0 {
			b = b[f.head:]
		}
		for _, s := range b {
			fn(s)
		}
	}
}

// addPlain keeps the plain ID key until expires: with mark nil, that of a
// finished message without a result; with a command's tail mark, that of
// a message in the command's tail. It waits in the plain FIFO when the
// order of expiry allows, else it gets an entry of its own in the dedup
// heap.
func (r *Router) addPlain(key dedupKey, mark *dedupEntry, expires int64) {
	if !r.plainExp.fits(expires) {
		e := &dedupEntry{key: key, idx: -1}
		if mark != nil {
			e.tail, e.cmd = true, mark.cmd
		}
		r.add(e, expires)
		return
	}
	if mark != nil {
		r.tailDedup++
	}
	r.dedup[key] = dedupRef{e: mark, expires: expires}
	r.plainExp.push(key, expires)
	r.bound()
}

// rememberTail keeps the ID key of a message going to cmd's tail in the
// dedup window until expires.
func (r *Router) rememberTail(cmd *command, key dedupKey, expires int64) {
	if ref, ok := r.dedup[key]; ok {
		r.forgetRef(key, ref)
	}
	r.addPlain(key, cmd.tailMark(), expires)
}

// forgetPlain drops the plain ID key from the dedup window; its slot
// goes stale.
func (r *Router) forgetPlain(key dedupKey) {
	delete(r.dedup, key)
	f := &r.plainExp
	f.stale++
	if f.stale > plainBlock && 2*f.stale > f.n {
		r.compactPlain()
	}
}

// plainRef returns what the window holds for the plain ID of slot s;
// ok unset when s is stale.
func (r *Router) plainRef(s plainSlot) (dedupRef, bool) {
	ref, ok := r.dedup[s.key]
	return ref, ok && ref.plain() && ref.expires == s.expires
}

// isPlain reports whether s is the slot of a plain ID of the window.
func (r *Router) isPlain(s plainSlot) bool {
	_, ok := r.plainRef(s)
	return ok
}

// plainFront returns the plain ID due to expire first, with what the
// window holds for it, dropping the stale slots before it.
func (r *Router) plainFront() (plainSlot, dedupRef, bool) {
	f := &r.plainExp
	for f.n > 0 {
		s := f.front()
		if ref, ok := r.plainRef(s); ok {
			return s, ref, true
		}
		f.stale--
		f.pop()
	}
	return plainSlot{}, dedupRef{}, false
}

// compactPlain drops the stale slots of the plain FIFO.
func (r *Router) compactPlain() {
	var out plainFIFO
	kept := make(map[dedupKey]bool)
	r.plainExp.each(func(s plainSlot) {
		if r.isPlain(s) && !kept[s.key] {
			kept[s.key] = true
			out.push(s.key, s.expires)
		}
	})
	r.plainExp = out
}
