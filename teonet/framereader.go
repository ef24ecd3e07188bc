package teonet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

const (
	// frameHeaderLen is the size of a frame's big-endian payload length.
	frameHeaderLen = 4

	// readBufferSize is the read buffer of a channel; frames up to this
	// size are returned straight from it, without a copy.
	readBufferSize = 64 << 10

	// largeGrowStep is the first size of the buffer for frames larger than
	// the read buffer; it doubles as data arrives, so a header announcing a
	// large frame costs memory only for the bytes that really follow. At
	// twice the read buffer, a frame up to that size gets one buffer of its
	// own size, filled without a copy on growth.
	largeGrowStep = 2 * readBufferSize

	// retainLarge is the largest frame buffer kept once a small frame
	// shows the large ones have passed.
	retainLarge = 1 << 20

	// OversizeHeadLen is how many of a skipped oversized frame's first
	// bytes FrameTooLargeError.Head keeps (Config.SkipOversize).
	OversizeHeadLen = 1024
)

// frameReader reads length-prefixed frames, skipping keepalives (length 0).
// It never allocates more than limit bytes, whatever the input announces:
// the buffer of a frame larger than the read buffer grows as the frame's
// bytes arrive. It is used by one goroutine, except for started, which the
// channel's writer reads, and releaseAll, which may run in any goroutine.
type frameReader struct {
	br    *bufio.Reader
	src   io.Reader // what br reads; readLarge reads from it directly
	limit int
	large []byte // payload buffer of frames larger than br's buffer
	// inLarge is set while the frame next returned last lies in large,
	// which take may then hand to the caller.
	inLarge bool
	// skipOversize makes a frame over limit skipped (Config.SkipOversize)
	// rather than the end of the input.
	skipOversize bool

	// Set by newChannel; nil in tests of the reader alone, which then
	// neither charge memory nor record start times.
	mem  *frameMemory    // charged for cap(large)
	quit <-chan struct{} // closed when the channel closes; ends a wait for mem
	now  func() int64    // a monotonic clock that is never 0
	// begun (capacity 1) is signalled when started is set, so that the
	// channel's writer, which enforces the frame deadline, looks at it.
	begun chan struct{}

	// started is when (by now) the reader first had to wait for more bytes
	// of a frame that had begun to arrive; 0 between frames.
	started atomic.Int64

	chargeMu sync.Mutex // guards charged and released
	charged  int        // bytes of mem held for large
	released bool       // set by releaseAll: charge nothing more
}

func newFrameReader(r io.Reader, bufSize, limit int) *frameReader {
	return &frameReader{br: bufio.NewReaderSize(r, bufSize), src: r, limit: limit}
}

// next returns the payload of the next frame, valid until the next call.
// It returns io.EOF at a clean end between frames, io.ErrUnexpectedEOF
// inside one, and a *FrameTooLargeError for a length over the limit: with
// skipOversize, once the payload has been read past (the reader is then
// at the next frame), and otherwise with the payload left unread.
func (fr *frameReader) next() ([]byte, error) {
	fr.inLarge = false
	for {
		if fr.br.Buffered() == 0 && fr.large != nil {
			// Let the buffer of the last large frame go rather than hold
			// it while the peer is idle. As readLarge reads no further than
			// its frame, the read buffer is always empty after one: each
			// large frame gets a buffer of its own.
			fr.dropLarge()
		}
		hdr, err := fr.fill(frameHeaderLen, false)
		if err != nil {
			return nil, err
		}
		n := binary.BigEndian.Uint32(hdr)
		if n > uint32(fr.limit) {
			if !fr.skipOversize {
				return nil, &FrameTooLargeError{Size: int64(n), Limit: fr.limit}
			}
			fr.br.Discard(frameHeaderLen)
			return nil, fr.skip(int64(n))
		}
		fr.br.Discard(frameHeaderLen) // cannot fail: the bytes are buffered
		if n == 0 {
			fr.finished()
			continue // keepalive
		}
		if int(n) > fr.br.Size() {
			p, err := fr.readLarge(int(n))
			fr.finished()
			fr.inLarge = err == nil
			return p, err
		}
		p, err := fr.fill(int(n), true)
		if err != nil {
			return nil, err
		}
		fr.br.Discard(len(p))
		if cap(fr.large) > retainLarge {
			fr.dropLarge()
		}
		fr.finished()
		return p, nil
	}
}

// skip reads past an n-byte payload over the limit, through the read
// buffer and without keeping it, and returns the *FrameTooLargeError that
// reports it, with the payload's first bytes, or the read error that
// stopped it. The frame deadline applies as to any frame.
func (fr *frameReader) skip(n int64) error {
	fr.markStarted()
	head, err := fr.fill(int(min(n, OversizeHeadLen, int64(fr.br.Size()))), true)
	if err != nil {
		return err
	}
	tooLarge := &FrameTooLargeError{Size: n, Limit: fr.limit, Head: bytes.Clone(head), Skipped: true}
	for left := n; left > 0; {
		d, err := fr.br.Discard(int(min(left, 1<<30)))
		left -= int64(d)
		if err != nil {
			return unexpectedEOF(err)
		}
	}
	fr.finished()
	return tooLarge
}

// fill waits until n bytes, at most the read buffer's size, are buffered
// and returns them. begun says the frame they belong to has begun (its
// header was read); otherwise it has begun once any byte is buffered. The
// first wait inside a frame that has begun records its start.
func (fr *frameReader) fill(n int, begun bool) ([]byte, error) {
	for fr.br.Buffered() < n {
		if begun || fr.br.Buffered() > 0 {
			fr.markStarted()
		}
		if _, err := fr.br.Peek(fr.br.Buffered() + 1); err != nil {
			if begun || fr.br.Buffered() > 0 {
				err = unexpectedEOF(err)
			}
			return nil, err
		}
	}
	return fr.br.Peek(n)
}

// readLarge reads an n-byte payload that does not fit the read buffer into
// fr.large, growing it only as the payload's bytes arrive, each growth
// charged to the node's frame memory first. Past what the read buffer
// holds already, it reads from the connection straight into fr.large.
func (fr *frameReader) readLarge(n int) ([]byte, error) {
	fr.markStarted()
	buf := fr.large[:0]
	for stalls := 0; len(buf) < n; {
		if len(buf) == cap(buf) {
			size := min(n, max(2*cap(buf), largeGrowStep))
			if err := fr.charge(size); err != nil {
				return nil, err
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		m, err := fr.readSome(buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+m]
		fr.large = buf
		if err != nil && len(buf) < n {
			return nil, unexpectedEOF(err)
		}
		if m > 0 {
			stalls = 0
		} else if stalls++; stalls > maxEmptyReads {
			return nil, io.ErrNoProgress
		}
	}
	return buf, nil
}

// maxEmptyReads is how many reads in a row may return no bytes and no
// error before readLarge gives up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// readSome reads into p what the read buffer holds, or else what one read
// from the connection returns: once the read buffer is empty, the bytes
// skip it.
func (fr *frameReader) readSome(p []byte) (int, error) {
	if fr.br.Buffered() > 0 {
		return fr.br.Read(p)
	}
	return fr.src.Read(p)
}

// take hands the caller the buffer of the frame next returned last, if the
// frame was read into one of its own (it was larger than the read
// buffer), and reports whether it did: the reader then neither reuses the
// buffer nor counts it in the node's frame memory. It is called by the
// reading goroutine.
func (fr *frameReader) take() bool {
	if !fr.inLarge {
		return false
	}
	fr.inLarge = false
	fr.dropLarge()
	return true
}

// markStarted records that the frame being read has begun, unless that is
// recorded already.
func (fr *frameReader) markStarted() {
	if fr.now != nil && fr.started.Load() == 0 {
		fr.started.Store(fr.now())
		select {
		case fr.begun <- struct{}{}:
		default:
		}
	}
}

// finished records that no frame is in progress.
func (fr *frameReader) finished() {
	if fr.started.Load() != 0 {
		fr.started.Store(0)
	}
}

// charge makes the bytes held for fr.large size, waiting for the node's
// frame memory if need be. It fails once the channel closes.
func (fr *frameReader) charge(size int) error {
	if fr.mem == nil {
		return nil
	}
	fr.chargeMu.Lock()
	more, released := size-fr.charged, fr.released
	fr.chargeMu.Unlock()
	if released {
		return net.ErrClosed
	}
	if more <= 0 {
		return nil
	}
	if err := fr.mem.acquire(more, fr.quit); err != nil {
		return err
	}
	fr.chargeMu.Lock()
	defer fr.chargeMu.Unlock()
	if fr.released {
		fr.mem.release(more)
		return net.ErrClosed
	}
	fr.charged += more
	return nil
}

// dropLarge lets the large-frame buffer go and gives back its charge. It
// is called by the reading goroutine.
func (fr *frameReader) dropLarge() {
	fr.large, fr.inLarge = nil, false
	fr.uncharge(false)
}

// releaseAll gives back the reader's charge for good, so that a closed
// channel holds none of the node's frame memory even if its reader never
// runs again. Safe to call from any goroutine, more than once.
func (fr *frameReader) releaseAll() { fr.uncharge(true) }

// uncharge gives back what is charged; with final set, nothing can be
// charged afterwards.
func (fr *frameReader) uncharge(final bool) {
	if fr.mem == nil {
		return
	}
	fr.chargeMu.Lock()
	n := fr.charged
	fr.charged = 0
	fr.released = fr.released || final
	fr.chargeMu.Unlock()
	fr.mem.release(n)
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
