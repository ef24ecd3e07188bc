// Package wire defines the binary frames of the teomq protocol and their
// encoding.
//
// Every frame starts with two bytes, the protocol [Version] and the frame's
// [Type], followed by the body laid out field by field in the order the
// frame's struct declares them (see codec.go for the field encodings). Frames
// travel inside the length-prefixed frames of the transport, so a frame has
// no length of its own and its last byte field (Data) runs to the end.
//
// Encode with a frame's AppendTo, which appends to a caller-owned buffer and
// so lets senders reuse one buffer per connection. Decode with [Decode], or
// on hot paths with [DecodePublish], [DecodeDeliver], [DecodeAnswer],
// [DecodeResult] and [DecodeConfirm] after [PeekType]: they fill a
// caller-owned frame and allocate nothing but its strings. The
// decoder never panics and checks every length against the bytes it has: a
// frame that does not decode gives an error matching [ErrVersion],
// [ErrUnknownType] or [ErrMalformed] under [errors.Is].
//
// Decoded byte slices alias the decoded buffer (zero copy); strings are
// copies. Frame values are plain data: they are not safe for concurrent
// mutation, and the functions of this package keep no state, so they are
// safe for concurrent use.
//
// Operator requests ([AdminRequest], answered by [AdminReply] with the same
// request ID) carry their arguments and results as JSON documents inside
// the frame: they are rare, and their shapes belong to the teomq package.
//
// The broker's first frame on every connection is its [Info] (its limits),
// or the fatal [Error] with which it refuses the peer. A producer that
// gives up a request withdraws it with a [Cancel], which the broker passes
// on to the consumers holding the message.
//
// Result and error codes ([Code]) stay numbers here: package teomq maps
// them to its own Code and errors in one place (result_codes.go).
package wire
