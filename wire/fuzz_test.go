package wire_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

// FuzzDecode decodes arbitrary bytes. Whatever does not decode must fail
// with one of the package's sentinels; whatever decodes must re-encode to
// the same bytes (every frame has one encoding) and decode again to an
// equal frame, and the fast path of its type must agree.
func FuzzDecode(f *testing.F) {
	for _, tc := range sampleFrames() {
		f.Add(tc.frame.AppendTo(nil))
	}
	f.Add([]byte{})
	f.Add([]byte{wire.Version})
	f.Add([]byte{wire.Version, 0})
	f.Add([]byte{2, byte(wire.TypePing)})
	f.Add([]byte{wire.Version, byte(wire.TypeConfirm), 0x80, 0x00})

	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := wire.Decode(b)
		if err != nil {
			if !errors.Is(err, wire.ErrMalformed) && !errors.Is(err, wire.ErrVersion) && !errors.Is(err, wire.ErrUnknownType) {
				t.Fatalf("Decode error %v matches no sentinel", err)
			}
			if fr != nil {
				t.Fatalf("Decode returned frame %+v with error %v", fr, err)
			}
			return
		}
		if typ, err := wire.PeekType(b); err != nil || typ != fr.Type() {
			t.Fatalf("PeekType = %v, %v; Decode gave %v", typ, err, fr.Type())
		}
		enc := fr.AppendTo(nil)
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding %+v gave\n%x\nwant\n%x", fr, enc, b)
		}
		again, err := wire.Decode(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoded frame: %v", err)
		}
		if !reflect.DeepEqual(again, fr) {
			t.Fatalf("decoded again %+v, want %+v", again, fr)
		}
		if decode, ok := fastPaths[fr.Type()]; ok {
			fast, err := decode(b)
			if err != nil || !reflect.DeepEqual(fast, fr) {
				t.Fatalf("fast path = %+v, %v; Decode gave %+v", fast, err, fr)
			}
		}
	})
}
