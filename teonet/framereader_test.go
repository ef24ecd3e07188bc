package teonet

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func frames(payloads ...string) []byte {
	var b []byte
	for _, p := range payloads {
		b = appendFrame(b, []byte(p))
	}
	return b
}

func TestFrameReader(t *testing.T) {
	big := strings.Repeat("x", 300)
	tests := []struct {
		name    string
		input   []byte
		bufSize int
		want    []string
		wantErr error
	}{
		{"empty input", nil, 16, nil, io.EOF},
		{"one frame", frames("hello"), 16, []string{"hello"}, io.EOF},
		{"keepalives skipped", frames("", "a", "", "", "b", ""), 16, []string{"a", "b"}, io.EOF},
		{"frame of exactly the buffer size", frames(strings.Repeat("y", 16)), 16, []string{strings.Repeat("y", 16)}, io.EOF},
		{"frames larger than the buffer", frames(big, "s", big), 16, []string{big, "s", big}, io.EOF},
		{"truncated header", []byte{0, 0}, 16, nil, io.ErrUnexpectedEOF},
		{"truncated payload", frames("hello")[:6], 16, nil, io.ErrUnexpectedEOF},
		{"truncated large payload", frames(big)[:100], 16, nil, io.ErrUnexpectedEOF},
		{"over the limit", []byte{0, 0, 4, 1}, 16, nil, ErrFrameTooLarge},
		{"at the limit", frames(strings.Repeat("z", 1024)), 16, []string{strings.Repeat("z", 1024)}, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader makes every frame arrive in pieces.
			fr := newFrameReader(iotest.OneByteReader(bytes.NewReader(tt.input)), tt.bufSize, 1024)
			var got []string
			for {
				p, err := fr.next()
				if err != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("error %v, want %v", err, tt.wantErr)
					}
					break
				}
				got = append(got, string(p))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("frames %q, want %q", got, tt.want)
			}
		})
	}
}

// A header announcing 3 GiB is refused before any of it is allocated.
func TestFrameReaderRefusesHugeFrameWithoutAllocating(t *testing.T) {
	input := append([]byte{0xC0, 0, 0, 0}, make([]byte, 1024)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fr := newFrameReader(bytes.NewReader(input), readBufferSize, DefaultMaxFrame)
	_, err := fr.next()
	runtime.ReadMemStats(&after)
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 3<<30 || tooLarge.Limit != DefaultMaxFrame {
		t.Fatalf("error %v, want a FrameTooLargeError of %d bytes, limit %d", err, int64(3<<30), DefaultMaxFrame)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("allocated %d bytes reading a refused header", alloc)
	}
}

// A header announcing a large frame costs memory only for the bytes that
// follow it.
func TestFrameReaderGrowsWithArrivingData(t *testing.T) {
	input := append([]byte{0, 0x40, 0, 0}, make([]byte, 1000)...) // announces 4 MiB
	fr := newFrameReader(bytes.NewReader(input), 512, DefaultMaxFrame)
	if _, err := fr.next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if cap(fr.large) > largeGrowStep {
		t.Fatalf("buffer grew to %d bytes for 1000 bytes of payload", cap(fr.large))
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(frames("hello", "", "world"))
	f.Add(frames(strings.Repeat("x", 200), "y"))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 1, 0, 1, 2, 3})
	f.Add(append([]byte{0, 0, 0, 0}, frames("after keepalive")...))
	const limit = 256
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := newFrameReader(bytes.NewReader(data), 32, limit)
		consumed := 0
		for range len(data) + 1 { // every frame consumes at least a header
			p, err := fr.next()
			if err != nil {
				var tooLarge *FrameTooLargeError
				if errors.As(err, &tooLarge) && (tooLarge.Size <= limit || tooLarge.Limit != limit) {
					t.Fatalf("bad FrameTooLargeError %+v", tooLarge)
				}
				if cap(fr.large) > limit {
					t.Fatalf("frame buffer %d bytes, limit %d", cap(fr.large), limit)
				}
				return
			}
			if len(p) == 0 || len(p) > limit {
				t.Fatalf("frame of %d bytes, limit %d", len(p), limit)
			}
			consumed += frameHeaderLen + len(p)
			if consumed > len(data) {
				t.Fatalf("returned %d bytes of frames from %d bytes of input", consumed, len(data))
			}
		}
		t.Fatalf("more frames than input bytes")
	})
}

func TestEndpointHostPort(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want string
	}{
		{"IPv4 loopback", "127.0.0.1:7000", "127.0.0.1:7000"},
		{"IPv4 unspecified", "0.0.0.0:7000", "127.0.0.1:7000"},
		{"IPv6 unspecified", "[::]:7000", "127.0.0.1:7000"},
		{"IPv6 loopback", "[::1]:7000", "[::1]:7000"},
		{"specific host", "192.0.2.7:80", "192.0.2.7:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := net.ResolveTCPAddr("tcp", tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := endpointHostPort(a); got != tt.want {
				t.Fatalf("endpointHostPort(%s) = %s, want %s", tt.addr, got, tt.want)
			}
		})
	}
}

// With skipOversize, a frame over the limit is read past, its first bytes
// kept, and the frames after it are read as if it had not been there.
func TestFrameReaderSkipsOversize(t *testing.T) {
	over := strings.Repeat("o", 3000)
	tests := []struct {
		name     string
		input    []byte
		bufSize  int
		wantHead string
		wantErr  error // after the oversized frame; nil: "after" follows
	}{
		{"head within the read buffer", frames("before", over, "after"), 2048, over[:OversizeHeadLen], nil},
		{"head cut to a small read buffer", frames("before", over, "after"), 16, over[:16], nil},
		{"oversized frame cut short", frames("before", over)[:2000], 2048, "", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := newFrameReader(iotest.OneByteReader(bytes.NewReader(tt.input)), tt.bufSize, 1024)
			fr.skipOversize = true
			if p, err := fr.next(); err != nil || string(p) != "before" {
				t.Fatalf("first frame %q, %v", p, err)
			}
			_, err := fr.next()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			var tooLarge *FrameTooLargeError
			if !errors.As(err, &tooLarge) || !tooLarge.Skipped || tooLarge.Size != int64(len(over)) || tooLarge.Limit != 1024 {
				t.Fatalf("error %v (%+v), want a skipped FrameTooLargeError of %d bytes", err, tooLarge, len(over))
			}
			if string(tooLarge.Head) != tt.wantHead {
				t.Fatalf("head of %d bytes, want %d", len(tooLarge.Head), len(tt.wantHead))
			}
			if p, err := fr.next(); err != nil || string(p) != "after" {
				t.Fatalf("frame after the skipped one %q, %v", p, err)
			}
		})
	}
}
