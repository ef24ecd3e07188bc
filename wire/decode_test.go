package wire_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/teonet-go/teomq/wire"
)

// frame joins a header of type t and body parts into one frame.
func frame(t wire.Type, parts ...[]byte) []byte {
	b := []byte{wire.Version, byte(t)}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func n(k int, v byte) []byte { return bytes.Repeat([]byte{v}, k) }

func TestDecodeMalformed(t *testing.T) {
	long := strings.Repeat("x", wire.MaxCommandLen+1)
	tests := []struct {
		name  string
		in    []byte
		want  error
		field string // named in the error text
	}{
		{"nil", nil, wire.ErrMalformed, "empty"},
		{"version only", []byte{wire.Version}, wire.ErrMalformed, "type"},
		{"version 0", []byte{0, byte(wire.TypePing)}, wire.ErrVersion, "got 0"},
		{"future version", []byte{2, byte(wire.TypePing), 0, 0, 0, 0, 0, 0, 0, 0}, wire.ErrVersion, "got 2"},
		{"version byte alone", []byte{255}, wire.ErrVersion, "got 255"},
		{"type 0", []byte{wire.Version, 0}, wire.ErrUnknownType, "0"},
		{"type after cancel", []byte{wire.Version, byte(wire.TypeCancel) + 1}, wire.ErrUnknownType, "18"},
		{"type 255", []byte{wire.Version, 255, 1, 2, 3}, wire.ErrUnknownType, "255"},
		{"info short", frame(wire.TypeInfo, n(3, 0)), wire.ErrMalformed, "max message size"},
		{"info trailing", frame(wire.TypeInfo, n(5, 0)), wire.ErrMalformed, "trailing"},
		{"cancel short", frame(wire.TypeCancel, n(15, 0)), wire.ErrMalformed, "id"},
		{"cancel trailing", frame(wire.TypeCancel, n(17, 0)), wire.ErrMalformed, "trailing"},
		{"ping short", frame(wire.TypePing, n(7, 0)), wire.ErrMalformed, "nonce"},
		{"ping trailing", frame(wire.TypePing, n(9, 0)), wire.ErrMalformed, "trailing"},
		{"subscribe ephemeral 2", frame(wire.TypeSubscribe, n(8, 0), []byte{2, 1, 'c', 0}), wire.ErrMalformed, "ephemeral"},
		{"error fatal 255", frame(wire.TypeError, n(2, 0), []byte{255}, n(16, 0), []byte{0}), wire.ErrMalformed, "fatal"},
		{"publish unknown flag", frame(wire.TypePublish, n(16, 0), []byte{0x04}, n(8, 0), []byte{0}), wire.ErrMalformed, "flags"},
		{"publish answer group flag, empty group", frame(wire.TypePublish, n(16, 0), []byte{0x03}, n(8, 0), []byte{1, 'c', 0}), wire.ErrMalformed, "answer group"},
		{"publish answer group flag, no group", frame(wire.TypePublish, n(16, 0), []byte{0x02}, n(8, 0), []byte{1, 'c'}), wire.ErrMalformed, "answer group"},
		{"publish answer group over limit", (&wire.Publish{Command: "c", AnswerGroup: long}).AppendTo(nil), wire.ErrMalformed, "answer group"},
		{"answer unknown kind", frame(wire.TypeAnswer, n(16, 0), n(4, 0), []byte{3}), wire.ErrMalformed, "kind"},
		{"publish command over limit", (&wire.Publish{Command: long}).AppendTo(nil), wire.ErrMalformed, "command"},
		{"subscribe group over limit", (&wire.Subscribe{Command: "c", Group: long}).AppendTo(nil), wire.ErrMalformed, "group"},
		{"deliver from over limit", (&wire.Deliver{From: strings.Repeat("A", wire.MaxAddrLen+1)}).AppendTo(nil), wire.ErrMalformed, "from"},
		{"deliver command over limit", (&wire.Deliver{From: "a", Command: long}).AppendTo(nil), wire.ErrMalformed, "command"},
		{"result from over limit", (&wire.Result{From: long}).AppendTo(nil), wire.ErrMalformed, "from"},
		{"confirm message past end", frame(wire.TypeConfirm, n(16, 0), n(2, 0), []byte{5, 'a', 'b'}), wire.ErrMalformed, "message"},
		{"suback message past end", frame(wire.TypeSubAck, n(4, 0), n(2, 0), []byte{0x80, 0x01}, n(100, 'm')), wire.ErrMalformed, "message"},
		{"confirm trailing after message", frame(wire.TypeConfirm, n(16, 0), n(2, 0), []byte{1, 'a', 'b'}), wire.ErrMalformed, "trailing"},
		{"length not shortest", frame(wire.TypeResult, n(16, 0), n(2, 0), []byte{0x80, 0x00}), wire.ErrMalformed, "shortest"},
		{"length truncated", frame(wire.TypeResult, n(16, 0), n(2, 0), []byte{0x80}), wire.ErrMalformed, "truncated"},
		{"length overflows", frame(wire.TypeResult, n(16, 0), n(2, 0), n(10, 0xff), []byte{1}), wire.ErrMalformed, "overflows"},
		{"huge length short body", frame(wire.TypeConfirm, n(16, 0), n(2, 0), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}), wire.ErrMalformed, "over limit"},
		{"publish missing command length", frame(wire.TypePublish, n(16, 0), []byte{0}, n(8, 0)), wire.ErrMalformed, "command"},
		{"deliver missing command", frame(wire.TypeDeliver, n(32, 0), []byte{1, 'a'}), wire.ErrMalformed, "command"},
		{"admin short request id", frame(wire.TypeAdmin, n(7, 0)), wire.ErrMalformed, "request id"},
		{"admin missing op", frame(wire.TypeAdmin, n(8, 0)), wire.ErrMalformed, "op"},
		{"admin command over limit", (&wire.AdminRequest{Command: long}).AppendTo(nil), wire.ErrMalformed, "command"},
		{"admin reply payload past end", frame(wire.TypeAdminReply, n(8, 0), n(2, 0), []byte{0, 5, '{', '}'}), wire.ErrMalformed, "payload"},
		{"admin reply missing payload length", frame(wire.TypeAdminReply, n(8, 0), n(2, 0), []byte{0}), wire.ErrMalformed, "payload"},
		{"admin reply payload length not shortest", frame(wire.TypeAdminReply, n(8, 0), n(2, 0), []byte{0, 0x80, 0x00}), wire.ErrMalformed, "shortest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := wire.Decode(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, %v; want error %v", f, err, tc.want)
			}
			if f != nil {
				t.Fatalf("Decode returned frame %+v with error", f)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not mention %q", err, tc.field)
			}
		})
	}
}

func TestDecodeVersionError(t *testing.T) {
	_, err := wire.Decode([]byte{7, byte(wire.TypePing)})
	var ve *wire.VersionError
	if !errors.As(err, &ve) || ve.Got != 7 {
		t.Fatalf("Decode error = %v, want *VersionError with Got 7", err)
	}
}

// TestDecodeTruncated cuts every sample frame short: each cut that removes
// more than the trailing Data must be malformed, never a panic.
func TestDecodeTruncated(t *testing.T) {
	for _, tc := range sampleFrames() {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.frame.AppendTo(nil)
			minLen := len(b) - len(dataOf(tc.frame))
			for cut := 2; cut < minLen; cut++ {
				if f, err := wire.Decode(b[:cut]); !errors.Is(err, wire.ErrMalformed) {
					t.Fatalf("Decode of %d of %d bytes = %+v, %v; want ErrMalformed", cut, len(b), f, err)
				}
			}
		})
	}
}

// TestDecodeTrailing appends a byte to every sample frame: frames without
// Data must refuse it, frames with Data take it as data.
func TestDecodeTrailing(t *testing.T) {
	for _, tc := range sampleFrames() {
		t.Run(tc.name, func(t *testing.T) {
			b := append(tc.frame.AppendTo(nil), 0x5a)
			f, err := wire.Decode(b)
			if _, hasData := dataField(tc.frame); !hasData {
				if !errors.Is(err, wire.ErrMalformed) {
					t.Fatalf("Decode with a trailing byte = %+v, %v; want ErrMalformed", f, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got, want := dataOf(f), append(bytes.Clone(dataOf(tc.frame)), 0x5a); !bytes.Equal(got, want) {
				t.Fatalf("Data = %q, want %q", got, want)
			}
		})
	}
}

// dataField returns the frame's Data and whether its type has one.
func dataField(f wire.Frame) ([]byte, bool) {
	switch v := f.(type) {
	case *wire.Publish:
		return v.Data, true
	case *wire.Deliver:
		return v.Data, true
	case *wire.Answer:
		return v.Data, true
	case *wire.Result:
		return v.Data, true
	case *wire.AdminRequest:
		return v.Args, true
	case *wire.AdminReply:
		return v.Data, true
	}
	return nil, false
}

func dataOf(f wire.Frame) []byte {
	d, _ := dataField(f)
	return d
}

func TestPeekType(t *testing.T) {
	for _, tc := range sampleFrames() {
		got, err := wire.PeekType(tc.frame.AppendTo(nil))
		if err != nil || got != tc.frame.Type() {
			t.Errorf("%s: PeekType = %v, %v; want %v", tc.name, got, err, tc.frame.Type())
		}
	}
}

func TestDecodeAliasesData(t *testing.T) {
	b := (&wire.Deliver{From: addr, Command: "version", Data: []byte("some_data")}).AppendTo(make([]byte, 0, 256))
	f, err := wire.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	d := f.(*wire.Deliver)
	for i := range b {
		b[i] = '#'
	}
	if string(d.Data) != "#########" {
		t.Errorf("Data = %q after overwriting the buffer, want it to alias the buffer", d.Data)
	}
	if d.From != addr || d.Command != "version" {
		t.Errorf("strings changed with the buffer: From %q Command %q", d.From, d.Command)
	}
}

func TestDecodedDataAppendDoesNotWriteBuffer(t *testing.T) {
	buf := make([]byte, 0, 128)
	b := (&wire.Answer{ID: id1, Data: []byte("reply")}).AppendTo(buf)
	spare := b[len(b):cap(b)]
	for i := range spare {
		spare[i] = '.'
	}
	var a wire.Answer
	if err := wire.DecodeAnswer(b, &a); err != nil {
		t.Fatal(err)
	}
	_ = append(a.Data, "more"...)
	if got := b[len(b) : len(b)+4]; string(got) != "...." {
		t.Fatalf("append to decoded Data wrote %q past the frame", got)
	}
}

// fastPaths are the allocation-free decoders, each with a fresh target.
var fastPaths = map[wire.Type]func([]byte) (wire.Frame, error){
	wire.TypePublish: func(b []byte) (wire.Frame, error) { var v wire.Publish; return &v, wire.DecodePublish(b, &v) },
	wire.TypeDeliver: func(b []byte) (wire.Frame, error) { var v wire.Deliver; return &v, wire.DecodeDeliver(b, &v) },
	wire.TypeAnswer:  func(b []byte) (wire.Frame, error) { var v wire.Answer; return &v, wire.DecodeAnswer(b, &v) },
	wire.TypeResult:  func(b []byte) (wire.Frame, error) { var v wire.Result; return &v, wire.DecodeResult(b, &v) },
	wire.TypeConfirm: func(b []byte) (wire.Frame, error) { var v wire.Confirm; return &v, wire.DecodeConfirm(b, &v) },
}

func TestFastPathsMatchDecode(t *testing.T) {
	for _, tc := range sampleFrames() {
		decode, ok := fastPaths[tc.frame.Type()]
		if !ok {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode(tc.frame.AppendTo(nil))
			if err != nil {
				t.Fatal(err)
			}
			if want := normalize(tc.frame); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestFastPathsRefuseOtherTypes(t *testing.T) {
	ping := (&wire.Ping{Nonce: 1}).AppendTo(nil)
	for typ, decode := range fastPaths {
		t.Run(typ.String(), func(t *testing.T) {
			if _, err := decode(ping); !errors.Is(err, wire.ErrTypeMismatch) {
				t.Fatalf("error = %v, want ErrTypeMismatch", err)
			}
			if _, err := decode([]byte{9, byte(typ)}); !errors.Is(err, wire.ErrVersion) {
				t.Fatalf("error = %v, want ErrVersion", err)
			}
		})
	}
}

func TestFastPathLeavesTargetOnError(t *testing.T) {
	want := wire.Publish{ID: id1, Command: "kept", Data: []byte("kept")}
	p := want
	bad := (&wire.Publish{ID: id2, Command: strings.Repeat("x", 300)}).AppendTo(nil)
	if err := wire.DecodePublish(bad, &p); !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("error = %v, want ErrMalformed", err)
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("target changed on error: %+v", p)
	}
}

func TestFastPathAllocations(t *testing.T) {
	data := bytes.Repeat([]byte{'d'}, 128)
	tests := []struct {
		name   string
		frame  wire.Frame
		allocs float64
	}{
		{"publish", &wire.Publish{ID: id1, Command: "version", Data: data}, 1},
		{"deliver", &wire.Deliver{ID: id1, From: addr, Command: "version", Data: data}, 1},
		{"answer", &wire.Answer{ID: id1, Data: data}, 0},
		{"result", &wire.Result{ID: id1, From: addr, Data: data}, 1},
		{"confirm ok", &wire.Confirm{ID: id1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.frame.AppendTo(nil)
			var err error
			got := testing.AllocsPerRun(100, func() { clearSinks(); err = decodeInto(b, tc.frame.Type()) })
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.allocs {
				t.Fatalf("allocations per decode = %v, want %v", got, tc.allocs)
			}
			// Decoded again into the same target, its strings are reused.
			if got := testing.AllocsPerRun(100, func() { err = decodeInto(b, tc.frame.Type()) }); got != 0 {
				t.Fatalf("allocations per repeated decode = %v, want 0", got)
			}
		})
	}
}

var (
	sinkPublish wire.Publish
	sinkDeliver wire.Deliver
	sinkAnswer  wire.Answer
	sinkResult  wire.Result
	sinkConfirm wire.Confirm
)

// clearSinks empties the decoders' targets.
func clearSinks() {
	sinkPublish, sinkDeliver, sinkAnswer, sinkResult, sinkConfirm = wire.Publish{}, wire.Deliver{}, wire.Answer{}, wire.Result{}, wire.Confirm{}
}

// A decoder reuses the strings of its target that the frame repeats, and
// copies only those that differ; the values are the frame's either way.
func TestFastPathReusesRepeatedStrings(t *testing.T) {
	var d wire.Deliver
	first := (&wire.Deliver{ID: id1, From: addr, Command: "version"}).AppendTo(nil)
	if err := wire.DecodeDeliver(first, &d); err != nil {
		t.Fatal(err)
	}
	command := d.Command
	other := strings.Repeat("B", len(addr))
	second := (&wire.Deliver{ID: id2, From: other, Command: "version"}).AppendTo(nil)
	allocs := testing.AllocsPerRun(1, func() {
		d.From = addr
		if err := wire.DecodeDeliver(second, &d); err != nil {
			t.Fatal(err)
		}
	})
	if d.From != other || d.Command != "version" || d.ID != id2 {
		t.Fatalf("decoded %+v, want from %q, command version", d, other)
	}
	if allocs != 1 || unsafe.StringData(d.Command) != unsafe.StringData(command) {
		t.Fatalf("%v allocations, command reused: %v; want 1, the new From only",
			allocs, unsafe.StringData(d.Command) == unsafe.StringData(command))
	}
}

// decodeInto decodes b into a package-level target of its type, so that
// the target itself costs no allocation.
func decodeInto(b []byte, t wire.Type) error {
	switch t {
	case wire.TypePublish:
		return wire.DecodePublish(b, &sinkPublish)
	case wire.TypeDeliver:
		return wire.DecodeDeliver(b, &sinkDeliver)
	case wire.TypeAnswer:
		return wire.DecodeAnswer(b, &sinkAnswer)
	case wire.TypeResult:
		return wire.DecodeResult(b, &sinkResult)
	default:
		return wire.DecodeConfirm(b, &sinkConfirm)
	}
}
