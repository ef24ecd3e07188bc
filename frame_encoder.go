package teomq

import "github.com/teonet-go/teomq/wire"

// frameEncoder queues frames on connections without allocating. Queueing
// takes a function that appends the frame; a method value made per frame
// (f.AppendTo) is an allocation, and so is a frame built for the call. The
// encoder holds the frame to encode next and its own append method, bound
// once; the frames the broker sends most, Deliver and Result, are built
// in fields of its own. The Broker's encoder is used with b.mu held.
type frameEncoder struct {
	f        wire.Frame // the frame appendTo encodes
	appendTo func(dst []byte) []byte

	// Where those frames are built.
	deliver wire.Deliver
	result  wire.Result
}

// newFrameEncoder returns an encoder with its append method bound.
func newFrameEncoder() *frameEncoder {
	e := &frameEncoder{}
	e.appendTo = e.append
	return e
}

// append appends e.f to dst.
func (e *frameEncoder) append(dst []byte) []byte { return e.f.AppendTo(dst) }

// queue queues f on q through the bound append method and forgets f.
func (e *frameEncoder) queue(q interface {
	QueueAppend(fn func(dst []byte) []byte) error
}, f wire.Frame) error {
	e.f = f
	err := q.QueueAppend(e.appendTo)
	e.f = nil
	return err
}
