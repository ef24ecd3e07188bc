package store

// cloneMessage returns a deep copy of m with its Command and Seq set to
// those the op addressed.
func cloneMessage(m *Message, command string, seq uint64) *Message {
	c := *m
	c.Command, c.Seq = command, seq
	c.Data = cloneBytes(m.Data)
	return &c
}

// cloneAnswer returns a deep copy of a with its ID set to id, or nil.
func cloneAnswer(a *Answer, id [16]byte) *Answer {
	if a == nil {
		return nil
	}
	c := *a
	c.ID = id
	c.Data = cloneBytes(a.Data)
	return &c
}

// cloneBytes copies b; empty input gives nil so that stores agree.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
