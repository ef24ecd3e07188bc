package wire

import "encoding/binary"

// Info is the broker's first frame on every connection: what a client
// needs to know before it sends, starting with the broker's limits. A
// client can refuse an oversized message itself, with the same error the
// broker would give, instead of sending it for nothing.
type Info struct {
	// MaxMessageSize is the largest payload (Publish.Data, Answer.Data) the
	// broker accepts, in bytes.
	MaxMessageSize uint32
}

// infoLen is the length of an Info's body.
const infoLen = 4

// Type returns TypeInfo.
func (*Info) Type() Type { return TypeInfo }

// AppendTo appends the encoded Info to dst.
func (i *Info) AppendTo(dst []byte) []byte {
	dst = appendHeader(dst, TypeInfo, infoLen)
	return binary.BigEndian.AppendUint32(dst, i.MaxMessageSize)
}

func (r *reader) info() (Info, error) {
	var i Info
	i.MaxMessageSize = r.u32("max message size")
	return i, r.done()
}
