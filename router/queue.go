package router

// minRing is the smallest buffer a ring allocates.
const minRing = 16

// ring is a FIFO of items: a growable circular buffer whose length is a
// power of two. It holds a group's fresh messages in Seq order; items that
// left it early (expired, dropped) stay in it as stale entries until they
// reach the head or a compaction removes them.
type ring struct {
	buf  []*item
	head int
	n    int
}

func (q *ring) len() int { return q.n }

func (q *ring) push(it *item) {
	if q.n == len(q.buf) {
		q.resize(max(minRing, 2*len(q.buf)))
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = it
	q.n++
}

// peek returns the head item, nil when the ring is empty.
func (q *ring) peek() *item {
	if q.n == 0 {
		return nil
	}
	return q.buf[q.head]
}

// pop removes and returns the head item, nil when the ring is empty.
func (q *ring) pop() *item {
	if q.n == 0 {
		return nil
	}
	it := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	if len(q.buf) > minRing && q.n < len(q.buf)/4 {
		q.resize(len(q.buf) / 2)
	}
	return it
}

// at returns the i-th item from the head.
func (q *ring) at(i int) *item { return q.buf[(q.head+i)&(len(q.buf)-1)] }

// filter keeps, in order, only the items keep accepts.
func (q *ring) filter(keep func(*item) bool) {
	var out ring
	for i := 0; i < q.n; i++ {
		if it := q.at(i); keep(it) {
			out.push(it)
		}
	}
	*q = out
}

func (q *ring) resize(size int) {
	buf := make([]*item, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.at(i)
	}
	q.buf, q.head = buf, 0
}
