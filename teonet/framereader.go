package teonet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

const (
	// frameHeaderLen is the size of a frame's big-endian payload length.
	frameHeaderLen = 4

	// readBufferSize is the read buffer of a channel; frames up to this
	// size are returned straight from it, without a copy.
	readBufferSize = 64 << 10

	// largeGrowStep is the first size of the buffer for frames larger than
	// the read buffer; it doubles as data arrives, so a header announcing a
	// large frame costs memory only for the bytes that really follow.
	largeGrowStep = 64 << 10

	// retainLarge is the largest frame buffer kept once a small frame
	// shows the large ones have passed.
	retainLarge = 1 << 20
)

// frameReader reads length-prefixed frames, skipping keepalives (length 0).
// It never allocates more than limit bytes, whatever the input announces.
// It is used by one goroutine.
type frameReader struct {
	br    *bufio.Reader
	limit int
	large []byte // reused payload buffer of frames larger than br's buffer
}

func newFrameReader(r io.Reader, bufSize, limit int) *frameReader {
	return &frameReader{br: bufio.NewReaderSize(r, bufSize), limit: limit}
}

// next returns the payload of the next frame, valid until the next call.
// It returns io.EOF at a clean end between frames, io.ErrUnexpectedEOF
// inside one, and a *FrameTooLargeError for a length over the limit, with
// the payload left unread.
func (fr *frameReader) next() ([]byte, error) {
	for {
		hdr, err := fr.br.Peek(frameHeaderLen)
		if err != nil {
			if len(hdr) > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		n := binary.BigEndian.Uint32(hdr)
		if n > uint32(fr.limit) {
			return nil, &FrameTooLargeError{Size: int64(n), Limit: fr.limit}
		}
		fr.br.Discard(frameHeaderLen) // cannot fail: the bytes are buffered
		if n == 0 {
			continue // keepalive
		}
		if int(n) > fr.br.Size() {
			return fr.readLarge(int(n))
		}
		p, err := fr.br.Peek(int(n))
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		fr.br.Discard(len(p))
		if cap(fr.large) > retainLarge {
			fr.large = nil
		}
		return p, nil
	}
}

// readLarge reads an n-byte payload that does not fit the read buffer into
// fr.large, growing it only as the payload's bytes arrive.
func (fr *frameReader) readLarge(n int) ([]byte, error) {
	buf := fr.large[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, max(2*cap(buf), largeGrowStep)))
			copy(grown, buf)
			buf = grown
		}
		m, err := io.ReadFull(fr.br, buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+m]
		fr.large = buf
		if err != nil {
			return nil, unexpectedEOF(err)
		}
	}
	return buf, nil
}

// unexpectedEOF maps an end of input inside a frame to io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends payload to dst as one frame.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// ready reports whether a whole frame is buffered, so that next returns
// without reading from the connection.
func (r *frameReader) ready() bool {
	n := r.br.Buffered()
	if n < frameHeaderLen {
		return false
	}
	h, err := r.br.Peek(frameHeaderLen)
	if err != nil {
		return false
	}
	return int64(binary.BigEndian.Uint32(h))+frameHeaderLen <= int64(n)
}
