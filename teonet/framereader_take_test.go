package teonet

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A large frame the caller takes keeps its bytes while later frames, large
// and small, are read; it no longer counts in the node's frame memory. A
// frame in the read buffer cannot be taken.
func TestFrameReaderTakeKeepsLargeFrame(t *testing.T) {
	a, b, c := strings.Repeat("a", 300), strings.Repeat("b", 300), strings.Repeat("c", 500)
	input := frames(a, b, "small", c, b)
	for _, mode := range []string{"whole", "byte by byte"} {
		t.Run(mode, func(t *testing.T) {
			fr := newFrameReader(iotestReader(mode, input), 64, 1024)
			fr.mem = &frameMemory{limit: 4096}
			first, err := fr.next()
			if err != nil {
				t.Fatal(err)
			}
			if !fr.take() {
				t.Fatal("take refused a frame larger than the read buffer")
			}
			if used := fr.mem.inUse(); used != 0 {
				t.Fatalf("frame memory %d bytes after take, want 0", used)
			}
			if fr.take() {
				t.Fatal("take handed out the same frame twice")
			}
			for i, want := range []string{b, "small", c, b} {
				p, err := fr.next()
				if err != nil || string(p) != want {
					t.Fatalf("frame %d: %.10q (%d bytes), %v; want %.10q", i+1, p, len(p), err, want)
				}
				if want == "small" && fr.take() {
					t.Fatal("take handed out a frame lying in the read buffer")
				}
			}
			if string(first) != a {
				t.Fatalf("taken frame overwritten by later frames: %.20q...", first)
			}
		})
	}
}

// iotestReader reads input as it is, or a byte per read.
func iotestReader(mode string, input []byte) io.Reader {
	if mode == "byte by byte" {
		return iotest.OneByteReader(bytes.NewReader(input))
	}
	return bytes.NewReader(input)
}

// A frame up to twice the read buffer is read into one buffer of its own
// size: one allocation, no copy on growth.
func TestFrameReaderLargeFrameOneBuffer(t *testing.T) {
	const n = readBufferSize + 100
	input := bytes.Repeat(frames(strings.Repeat("x", n)), 20)
	fr := newFrameReader(bytes.NewReader(input), readBufferSize, DefaultMaxFrame)
	var p []byte
	allocs := testing.AllocsPerRun(10, func() {
		var err error
		if p, err = fr.next(); err != nil {
			t.Fatal(err)
		}
		fr.take()
	})
	if allocs > 1 || cap(p) != n {
		t.Fatalf("%v allocations per frame, buffer of %d bytes; want 1 of %d", allocs, cap(p), n)
	}
}
