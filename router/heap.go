package router

// heap is a binary min-heap whose elements know their index, so that any
// element can be removed or re-sorted in O(log n). less orders elements;
// setIndex records an element's index (-1 once it left the heap).
type heap[T any] struct {
	items    []T
	less     func(a, b T) bool
	setIndex func(x T, i int)
}

func (h *heap[T]) len() int { return len(h.items) }

// top returns the least element; the heap must not be empty.
func (h *heap[T]) top() T { return h.items[0] }

func (h *heap[T]) push(x T) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	h.setIndex(x, i)
	h.up(i)
}

func (h *heap[T]) pop() T { return h.remove(0) }

// remove takes out the element at index i and returns it.
func (h *heap[T]) remove(i int) T {
	n := len(h.items) - 1
	x := h.items[i]
	if i != n {
		h.swap(i, n)
	}
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	if i != n {
		h.fix(i)
	}
	h.setIndex(x, -1)
	if n == 0 && cap(h.items) > 1024 {
		h.items = nil // let a drained heap give its memory back
	}
	return x
}

// fix restores the order after the key of the element at index i changed.
func (h *heap[T]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *heap[T]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.setIndex(h.items[i], i)
	h.setIndex(h.items[j], j)
}

func (h *heap[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *heap[T]) down(i0 int) bool {
	i, n := i0, len(h.items)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.less(h.items[r], h.items[c]) {
			c = r
		}
		if !h.less(h.items[c], h.items[i]) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > i0
}
