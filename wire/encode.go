package wire

import "encoding/binary"

// Each AppendTo appends the frame's encoding to dst and returns the extended
// buffer, growing it at most once. It reads the frame and writes only dst, so
// one frame may be encoded by many goroutines at once.

// AppendTo appends the encoded Publish to dst. FlagAnswerGroup is set in
// the encoded flags exactly when AnswerGroup is not empty.
func (p *Publish) AppendTo(dst []byte) []byte {
	flags, n := p.Flags&^FlagAnswerGroup, idLen+1+8+stringLen(p.Command)+len(p.Data)
	if p.AnswerGroup != "" {
		flags |= FlagAnswerGroup
		n += stringLen(p.AnswerGroup)
	}
	dst = appendHeader(dst, TypePublish, n)
	dst = append(dst, p.ID[:]...)
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint64(dst, uint64(p.Deadline))
	dst = appendString(dst, p.Command)
	if p.AnswerGroup != "" {
		dst = appendString(dst, p.AnswerGroup)
	}
	return append(dst, p.Data...)
}

// AppendTo appends the encoded Confirm to dst. A Message longer than
// MaxMessageLen is cut.
func (c *Confirm) AppendTo(dst []byte) []byte {
	msg := clipMessage(c.Message)
	dst = appendHeader(dst, TypeConfirm, idLen+2+stringLen(msg))
	dst = append(dst, c.ID[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(c.Code))
	return appendString(dst, msg)
}

// AppendTo appends the encoded Subscribe to dst.
func (s *Subscribe) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeSubscribe, 4+4+1+stringLen(s.Command)+stringLen(s.Group))
	dst = binary.BigEndian.AppendUint32(dst, s.SubID)
	dst = binary.BigEndian.AppendUint32(dst, s.Credit)
	dst = appendBool(dst, s.Ephemeral)
	dst = appendString(dst, s.Command)
	return appendString(dst, s.Group)
}

// AppendTo appends the encoded Unsubscribe to dst.
func (u *Unsubscribe) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeUnsubscribe, unsubscribeLen)
	return binary.BigEndian.AppendUint32(dst, u.SubID)
}

// AppendTo appends the encoded SubAck to dst. A Message longer than
// MaxMessageLen is cut.
func (s *SubAck) AppendTo(dst []byte) []byte {
	msg := clipMessage(s.Message)
	dst = appendHeader(dst, TypeSubAck, 4+2+stringLen(msg))
	dst = binary.BigEndian.AppendUint32(dst, s.SubID)
	dst = binary.BigEndian.AppendUint16(dst, uint16(s.Code))
	return appendString(dst, msg)
}

// AppendTo appends the encoded Deliver to dst.
func (d *Deliver) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeDeliver, 4+idLen+4+8+stringLen(d.From)+stringLen(d.Command)+len(d.Data))
	dst = binary.BigEndian.AppendUint32(dst, d.SubID)
	dst = append(dst, d.ID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, d.Attempt)
	dst = binary.BigEndian.AppendUint64(dst, uint64(d.Deadline))
	dst = appendString(dst, d.From)
	dst = appendString(dst, d.Command)
	return append(dst, d.Data...)
}

// AppendTo appends the encoded Answer to dst.
func (a *Answer) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeAnswer, idLen+4+1+len(a.Data))
	dst = append(dst, a.ID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, a.Attempt)
	dst = append(dst, a.Kind)
	return append(dst, a.Data...)
}

// AppendTo appends the encoded Result to dst.
func (r *Result) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeResult, idLen+2+stringLen(r.From)+len(r.Data))
	dst = append(dst, r.ID[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(r.Code))
	dst = appendString(dst, r.From)
	return append(dst, r.Data...)
}

// AppendTo appends the encoded Credit to dst.
func (c *Credit) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeCredit, creditLen)
	dst = binary.BigEndian.AppendUint32(dst, c.SubID)
	return binary.BigEndian.AppendUint32(dst, c.N)
}

// AppendTo appends the encoded Touch to dst.
func (t *Touch) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeTouch, touchLen)
	dst = append(dst, t.ID[:]...)
	dst = binary.BigEndian.AppendUint32(dst, t.Attempt)
	return binary.BigEndian.AppendUint32(dst, t.Millis)
}

// AppendTo appends the encoded Error to dst. A Message longer than
// MaxMessageLen is cut.
func (e *Error) AppendTo(dst []byte) []byte {
	msg := clipMessage(e.Message)
	dst = appendHeader(dst, TypeError, 2+1+idLen+stringLen(msg))
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.Code))
	dst = appendBool(dst, e.Fatal)
	dst = append(dst, e.Ref[:]...)
	return appendString(dst, msg)
}

// AppendTo appends the encoded Ping to dst.
func (p *Ping) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypePing, pingLen)
	return binary.BigEndian.AppendUint64(dst, p.Nonce)
}

// AppendTo appends the encoded Pong to dst.
func (p *Pong) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypePong, pingLen)
	return binary.BigEndian.AppendUint64(dst, p.Nonce)
}
