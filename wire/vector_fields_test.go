package wire_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/teonet-go/teomq/wire"
)

// The fields of a golden vector (testdata/frames.jsonl) are the frame
// struct's fields, every one of them, in declaration order, under the
// struct field's name in lower camel case (SubID is "subId"), encoded so
// that JavaScript reads them without loss:
//
//   - ID and []byte: lower-case hex ("" for empty);
//   - string: a JSON string;
//   - bool: a JSON bool;
//   - uint8, uint16 (Code), uint32, AdminOp: a JSON number;
//   - int64, uint64: a decimal string (JavaScript numbers hold 53 bits).

var (
	idType    = reflect.TypeFor[wire.ID]()
	bytesType = reflect.TypeFor[[]byte]()
)

// fieldName is the vector key of a frame struct field.
func fieldName(goName string) string {
	if goName == "ID" {
		return "id"
	}
	if p, ok := strings.CutSuffix(goName, "ID"); ok {
		goName = p + "Id"
	}
	return strings.ToLower(goName[:1]) + goName[1:]
}

// fieldsOf returns f's fields as a vector holds them, in declaration order.
func fieldsOf(f wire.Frame) (keys []string, values map[string]any) {
	v := reflect.ValueOf(f).Elem()
	values = make(map[string]any, v.NumField())
	for i := range v.NumField() {
		sf, fv := v.Type().Field(i), v.Field(i)
		var x any
		switch {
		case sf.Type == idType:
			id := fv.Interface().(wire.ID)
			x = hex.EncodeToString(id[:])
		case sf.Type == bytesType:
			x = hex.EncodeToString(fv.Bytes())
		case fv.Kind() == reflect.String:
			x = fv.String()
		case fv.Kind() == reflect.Bool:
			x = fv.Bool()
		case fv.Kind() == reflect.Int64:
			x = strconv.FormatInt(fv.Int(), 10)
		case fv.Kind() == reflect.Uint64:
			x = strconv.FormatUint(fv.Uint(), 10)
		case fv.CanUint():
			x = fv.Uint()
		default:
			panic(fmt.Sprintf("vector fields: %T.%s has a type (%s) with no vector encoding", f, sf.Name, sf.Type))
		}
		keys = append(keys, fieldName(sf.Name))
		values[fieldName(sf.Name)] = x
	}
	return keys, values
}

// setFields sets the fields of f (a pointer to a zero frame) from a
// vector's fields. Every field of f must be there and nothing else.
func setFields(f wire.Frame, raw map[string]json.RawMessage) error {
	v := reflect.ValueOf(f).Elem()
	known := make(map[string]bool, v.NumField())
	for i := range v.NumField() {
		sf, fv := v.Type().Field(i), v.Field(i)
		name := fieldName(sf.Name)
		known[name] = true
		r, ok := raw[name]
		if !ok {
			return fmt.Errorf("field %q missing", name)
		}
		if err := setField(fv, r); err != nil {
			return fmt.Errorf("field %q: %w", name, err)
		}
	}
	for name := range raw {
		if !known[name] {
			return fmt.Errorf("field %q is not a field of %T", name, f)
		}
	}
	return nil
}

// setField decodes one vector value into fv.
func setField(fv reflect.Value, r json.RawMessage) error {
	switch {
	case fv.Type() == idType, fv.Type() == bytesType:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return err
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return err
		}
		if fv.Type() == idType {
			if len(b) != len(wire.ID{}) {
				return fmt.Errorf("%d bytes, want %d", len(b), len(wire.ID{}))
			}
			reflect.Copy(fv, reflect.ValueOf(b))
		} else if len(b) > 0 {
			fv.SetBytes(b)
		}
		return nil
	case fv.Kind() == reflect.String:
		var s string
		err := json.Unmarshal(r, &s)
		fv.SetString(s)
		return err
	case fv.Kind() == reflect.Bool:
		var b bool
		err := json.Unmarshal(r, &b)
		fv.SetBool(b)
		return err
	case fv.Kind() == reflect.Int64:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return fmt.Errorf("want a decimal string: %w", err)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		fv.SetInt(n)
		return err
	case fv.Kind() == reflect.Uint64:
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return fmt.Errorf("want a decimal string: %w", err)
		}
		n, err := strconv.ParseUint(s, 10, 64)
		fv.SetUint(n)
		return err
	case fv.CanUint():
		var n uint64
		if err := json.Unmarshal(r, &n); err != nil {
			return err
		}
		if fv.OverflowUint(n) {
			return fmt.Errorf("%d overflows %s", n, fv.Type())
		}
		fv.SetUint(n)
		return nil
	}
	return fmt.Errorf("type %s has no vector encoding", fv.Type())
}
