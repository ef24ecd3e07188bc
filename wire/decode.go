package wire

import "fmt"

// PeekType checks a frame's header and returns its type. The error matches
// ErrMalformed when b is shorter than the header, ErrVersion (as a
// *VersionError) for another version and ErrUnknownType for a type this
// version does not define. It does not look at the body.
func PeekType(b []byte) (Type, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	if b[0] != Version {
		return 0, &VersionError{Got: b[0]}
	}
	if len(b) < headerLen {
		return 0, fmt.Errorf("%w: frame has no type byte", ErrMalformed)
	}
	t := Type(b[1])
	if !t.Known() {
		return 0, fmt.Errorf("%w: %d", ErrUnknownType, uint8(t))
	}
	return t, nil
}

// Decode decodes one frame and returns a pointer to it (*Publish, *Confirm,
// ...). Byte slices of the frame alias b: the caller must not reuse b while
// it uses them, or must copy them. Strings are copies. Decode never panics
// and allocates no more than the frame and its strings, all bounded by
// len(b). Its errors match ErrVersion, ErrUnknownType or ErrMalformed.
func Decode(b []byte) (Frame, error) {
	t, err := PeekType(b)
	if err != nil {
		return nil, err
	}
	r := &reader{b: b, off: headerLen, typ: t}
	switch t {
	case TypePublish:
		return boxed[Publish](r.publish(nil))
	case TypeConfirm:
		return boxed[Confirm](r.confirm())
	case TypeSubscribe:
		return boxed[Subscribe](r.subscribe())
	case TypeUnsubscribe:
		return boxed[Unsubscribe](r.unsubscribe())
	case TypeSubAck:
		return boxed[SubAck](r.subAck())
	case TypeDeliver:
		return boxed[Deliver](r.deliver(nil))
	case TypeAnswer:
		return boxed[Answer](r.answer())
	case TypeResult:
		return boxed[Result](r.result(nil))
	case TypeCredit:
		return boxed[Credit](r.credit())
	case TypeTouch:
		return boxed[Touch](r.touch())
	case TypeError:
		return boxed[Error](r.errorFrame())
	case TypePing:
		return boxed[Ping](r.ping())
	case TypeInfo:
		return boxed[Info](r.info())
	case TypeCancel:
		return boxed[Cancel](r.cancel())
	case TypePong:
		return boxed[Pong](r.pong())
	case TypeAdmin:
		return boxed[AdminRequest](r.adminRequest())
	default: // TypeAdminReply: PeekType admits known types only
		return boxed[AdminReply](r.adminReply())
	}
}

// boxed returns a pointer to v as a Frame, or err.
func boxed[T any, P interface {
	*T
	Frame
}](v T, err error) (Frame, error) {
	if err != nil {
		return nil, err
	}
	return P(&v), nil
}

// start checks that b is a frame of type want and returns a reader
// positioned at its body.
func start(b []byte, want Type) (reader, error) {
	t, err := PeekType(b)
	if err != nil {
		return reader{}, err
	}
	if t != want {
		return reader{}, fmt.Errorf("%w: got %v, want %v", ErrTypeMismatch, t, want)
	}
	return reader{b: b, off: headerLen, typ: t}, nil
}

// DecodePublish decodes a Publish frame into p, allocating only one string
// that backs both Command and AnswerGroup, and none when they are p's
// already: a caller that decodes the frames of a stream into one Publish
// allocates nothing for a command that repeats. p changes only on success;
// p.Data aliases b. Besides Decode's errors it returns ErrTypeMismatch for
// a frame of another type.
func DecodePublish(b []byte, p *Publish) error {
	r, err := start(b, TypePublish)
	if err != nil {
		return err
	}
	v, err := r.publish(p)
	if err == nil {
		*p = v
	}
	return err
}

// DecodeDeliver decodes a Deliver frame into d, allocating at most one
// string for From and Command, and none for those equal to d's already (as
// DecodePublish). d changes only on success; d.Data aliases b. Besides Decode's errors it returns ErrTypeMismatch for a frame
// of another type.
func DecodeDeliver(b []byte, d *Deliver) error {
	r, err := start(b, TypeDeliver)
	if err != nil {
		return err
	}
	v, err := r.deliver(d)
	if err == nil {
		*d = v
	}
	return err
}

// DecodeAnswer decodes an Answer frame into a without allocating. a changes
// only on success; a.Data aliases b. Besides Decode's errors it returns
// ErrTypeMismatch for a frame of another type.
func DecodeAnswer(b []byte, a *Answer) error {
	r, err := start(b, TypeAnswer)
	if err != nil {
		return err
	}
	v, err := r.answer()
	if err == nil {
		*a = v
	}
	return err
}

// DecodeResult decodes a Result frame into res, allocating only the From
// string, and not even that when it is res's already (as DecodePublish).
// res changes only on success; res.Data aliases b. Besides Decode's
// errors it returns ErrTypeMismatch for a frame of another type.
func DecodeResult(b []byte, res *Result) error {
	r, err := start(b, TypeResult)
	if err != nil {
		return err
	}
	v, err := r.result(res)
	if err == nil {
		*res = v
	}
	return err
}

// DecodeConfirm decodes a Confirm frame into c, allocating only a non-empty
// Message. c changes only on success. Besides Decode's errors it returns
// ErrTypeMismatch for a frame of another type.
func DecodeConfirm(b []byte, c *Confirm) error {
	r, err := start(b, TypeConfirm)
	if err != nil {
		return err
	}
	v, err := r.confirm()
	if err == nil {
		*c = v
	}
	return err
}

// The reader methods below decode one frame body each and return the
// reader's first failure.

// publish, deliver and result take the frame decoded before into the
// same variable, or nil (Decode): strings equal to its are reused, not
// copied.

func (r *reader) publish(prev *Publish) (Publish, error) {
	if prev == nil {
		prev = &Publish{}
	}
	var p Publish
	p.ID = r.id("id")
	p.Flags = r.u8("flags")
	if unknown := p.Flags &^ knownFlags; unknown != 0 {
		r.fail("flags", "unknown flags %#02x", unknown)
	}
	p.Deadline = int64(r.u64("deadline"))
	if p.Flags&FlagAnswerGroup != 0 {
		p.Flags &^= FlagAnswerGroup
		p.Command, p.AnswerGroup = r.pairLike("command", MaxCommandLen, "answer group", MaxCommandLen, prev.Command, prev.AnswerGroup)
		if r.err == nil && p.AnswerGroup == "" {
			r.fail("answer group", "empty with the answer group flag set")
		}
	} else {
		p.Command = r.strLike("command", MaxCommandLen, prev.Command)
	}
	p.Data = r.rest()
	return p, r.done()
}

func (r *reader) confirm() (Confirm, error) {
	var c Confirm
	c.ID = r.id("id")
	c.Code = r.code("code")
	c.Message = r.str("message", MaxMessageLen)
	return c, r.done()
}

func (r *reader) subscribe() (Subscribe, error) {
	var s Subscribe
	s.SubID = r.u32("sub id")
	s.Credit = r.u32("credit")
	s.Ephemeral = r.boolean("ephemeral")
	s.Command, s.Group = r.pair("command", MaxCommandLen, "group", MaxCommandLen)
	return s, r.done()
}

func (r *reader) unsubscribe() (Unsubscribe, error) {
	var u Unsubscribe
	u.SubID = r.u32("sub id")
	return u, r.done()
}

func (r *reader) subAck() (SubAck, error) {
	var s SubAck
	s.SubID = r.u32("sub id")
	s.Code = r.code("code")
	s.Message = r.str("message", MaxMessageLen)
	return s, r.done()
}

func (r *reader) deliver(prev *Deliver) (Deliver, error) {
	if prev == nil {
		prev = &Deliver{}
	}
	var d Deliver
	d.SubID = r.u32("sub id")
	d.ID = r.id("id")
	d.Attempt = r.u32("attempt")
	d.Deadline = int64(r.u64("deadline"))
	d.From, d.Command = r.pairLike("from", MaxAddrLen, "command", MaxCommandLen, prev.From, prev.Command)
	d.Data = r.rest()
	return d, r.done()
}

func (r *reader) answer() (Answer, error) {
	var a Answer
	a.ID = r.id("id")
	a.Attempt = r.u32("attempt")
	a.Kind = r.u8("kind")
	if a.Kind > AnswerRetry {
		r.fail("kind", "unknown answer kind %d", a.Kind)
	}
	a.Data = r.rest()
	return a, r.done()
}

func (r *reader) result(prev *Result) (Result, error) {
	if prev == nil {
		prev = &Result{}
	}
	var res Result
	res.ID = r.id("id")
	res.Code = r.code("code")
	res.From = r.strLike("from", MaxAddrLen, prev.From)
	res.Data = r.rest()
	return res, r.done()
}

func (r *reader) credit() (Credit, error) {
	var c Credit
	c.SubID = r.u32("sub id")
	c.N = r.u32("n")
	return c, r.done()
}

func (r *reader) touch() (Touch, error) {
	var t Touch
	t.ID = r.id("id")
	t.Attempt = r.u32("attempt")
	t.Millis = r.u32("millis")
	return t, r.done()
}

func (r *reader) errorFrame() (Error, error) {
	var e Error
	e.Code = r.code("code")
	e.Fatal = r.boolean("fatal")
	e.Ref = r.id("ref")
	e.Message = r.str("message", MaxMessageLen)
	return e, r.done()
}

func (r *reader) ping() (Ping, error) {
	var p Ping
	p.Nonce = r.u64("nonce")
	return p, r.done()
}

func (r *reader) pong() (Pong, error) {
	var p Pong
	p.Nonce = r.u64("nonce")
	return p, r.done()
}
