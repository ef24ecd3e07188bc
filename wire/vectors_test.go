package wire_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

// vectorsFile holds the golden frames that pin the wire format for every
// implementation: this package and the browser client (web/teomq.js,
// checked by web_test against the same file). A change to the encoding on
// either side fails one of them. Lines are JSON objects; blank lines and
// lines starting with # are comments.
const vectorsFile = "testdata/frames.jsonl"

// vector is one golden frame: its bytes, in hex, and its decoded fields
// (see vector_fields_test.go for their encoding).
type vector struct {
	Name   string                     `json:"name"`
	Type   string                     `json:"type"` // the frame type's String
	Fields map[string]json.RawMessage `json:"fields"`
	Hex    string                     `json:"hex"`
}

// readVectors reads the golden frames.
func readVectors(t *testing.T) []vector {
	t.Helper()
	f, err := os.Open(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var v vector
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s:%d: %v", vectorsFile, n, err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// newOf makes a zero frame of type T.
func newOf[T any, P interface {
	*T
	wire.Frame
}]() wire.Frame {
	return P(new(T))
}

// zeroFrames makes a zero frame of each type.
var zeroFrames = map[wire.Type]func() wire.Frame{
	wire.TypePublish:     newOf[wire.Publish],
	wire.TypeConfirm:     newOf[wire.Confirm],
	wire.TypeSubscribe:   newOf[wire.Subscribe],
	wire.TypeUnsubscribe: newOf[wire.Unsubscribe],
	wire.TypeSubAck:      newOf[wire.SubAck],
	wire.TypeDeliver:     newOf[wire.Deliver],
	wire.TypeAnswer:      newOf[wire.Answer],
	wire.TypeResult:      newOf[wire.Result],
	wire.TypeCredit:      newOf[wire.Credit],
	wire.TypeTouch:       newOf[wire.Touch],
	wire.TypeError:       newOf[wire.Error],
	wire.TypePing:        newOf[wire.Ping],
	wire.TypePong:        newOf[wire.Pong],
	wire.TypeAdmin:       newOf[wire.AdminRequest],
	wire.TypeAdminReply:  newOf[wire.AdminReply],
	wire.TypeInfo:        newOf[wire.Info],
	wire.TypeCancel:      newOf[wire.Cancel],
}

// typeNamed returns the frame type whose String is name.
func typeNamed(name string) (wire.Type, bool) {
	for typ := wire.Type(1); typ.Known(); typ++ {
		if typ.String() == name {
			return typ, true
		}
	}
	return 0, false
}

// TestGoldenVectors decodes every golden frame into its fields and encodes
// the fields into its bytes, so that the wire format cannot change without
// this file (and so the browser client's check of it) changing too.
func TestGoldenVectors(t *testing.T) {
	covered := make(map[wire.Type]int)
	for _, v := range readVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			typ, ok := typeNamed(v.Type)
			if !ok {
				t.Fatalf("type %q is no frame type", v.Type)
			}
			covered[typ]++
			b, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatalf("hex: %v", err)
			}

			// The bytes decode to the fields.
			got, err := wire.Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Type() != typ {
				t.Fatalf("Decode gave a %v frame, the vector is a %v", got.Type(), typ)
			}
			keys, values := fieldsOf(got)
			for _, k := range keys {
				if !sameJSON(t, values[k], v.Fields[k]) {
					t.Errorf("decoded %s = %v, the vector says %s", k, jsonText(t, values[k]), v.Fields[k])
				}
			}

			// The fields encode to the bytes.
			newFrame, ok := zeroFrames[typ]
			if !ok {
				t.Fatalf("zeroFrames has no %v: add it", typ)
			}
			f := newFrame()
			if err := setFields(f, v.Fields); err != nil {
				t.Fatalf("fields: %v", err)
			}
			if enc := f.AppendTo(nil); !bytes.Equal(enc, b) {
				t.Fatalf("the fields encode to\n%x\nthe vector has\n%x", enc, b)
			}

			// The hot-path decoders agree with Decode.
			if hot := decodeHot(t, typ, b); hot != nil && !reflect.DeepEqual(hot, got) {
				t.Fatalf("the %v decoder gave %+v, Decode %+v", typ, hot, got)
			}
		})
	}
	for typ := wire.Type(1); typ.Known(); typ++ {
		if covered[typ] == 0 {
			t.Errorf("%s has no %v frame: add one (the browser check in web_test reads it too)", vectorsFile, typ)
		}
	}
}

// decodeHot decodes b with the allocation-free decoder of its type, if it
// has one; else it returns nil.
func decodeHot(t *testing.T, typ wire.Type, b []byte) wire.Frame {
	t.Helper()
	var (
		f   wire.Frame
		err error
	)
	switch typ {
	case wire.TypePublish:
		p := new(wire.Publish)
		f, err = p, wire.DecodePublish(b, p)
	case wire.TypeDeliver:
		d := new(wire.Deliver)
		f, err = d, wire.DecodeDeliver(b, d)
	case wire.TypeAnswer:
		a := new(wire.Answer)
		f, err = a, wire.DecodeAnswer(b, a)
	case wire.TypeResult:
		r := new(wire.Result)
		f, err = r, wire.DecodeResult(b, r)
	case wire.TypeConfirm:
		c := new(wire.Confirm)
		f, err = c, wire.DecodeConfirm(b, c)
	default:
		return nil
	}
	if err != nil {
		t.Fatalf("the %v decoder: %v", typ, err)
	}
	return f
}

// sameJSON reports whether v, marshalled, means the same JSON as raw.
func sameJSON(t *testing.T, v any, raw json.RawMessage) bool {
	t.Helper()
	if raw == nil {
		return false
	}
	var a, b any
	if err := json.Unmarshal([]byte(jsonText(t, v)), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// jsonText marshals v.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
