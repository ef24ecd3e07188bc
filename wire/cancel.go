package wire

// Cancel withdraws a request whose producer stopped waiting for its
// answer. A producer sends it to the broker with the ID of its own
// message: a copy not yet delivered is removed from its queue. The broker
// sends it on to each consumer holding a copy, whose handler's context is
// then cancelled; that consumer's answer, if it still comes, is dropped.
type Cancel struct {
	ID ID
}

// Type returns TypeCancel.
func (*Cancel) Type() Type { return TypeCancel }

// AppendTo appends the encoded Cancel to dst.
func (c *Cancel) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeCancel, idLen)
	return append(dst, c.ID[:]...)
}

func (r *reader) cancel() (Cancel, error) {
	var c Cancel
	c.ID = r.id("id")
	return c, r.done()
}
