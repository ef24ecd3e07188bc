package wire_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

var (
	id1     = wire.ID{0x01, 0x93, 0x6b, 0x2a, 0x7f, 0x00, 0x70, 0x00, 0x80, 0x00, 0, 0, 0, 0, 0, 1}
	id2     = wire.ID{0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0}
	maxName = strings.Repeat("n", wire.MaxCommandLen)
	maxAddr = strings.Repeat("A", wire.MaxAddrLen)
	addr    = "og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2"
	unicode = []byte("данные/数据/🙂 with\x00nul")
)

// sampleFrames returns valid frames of every type, edge cases included.
func sampleFrames() []struct {
	name  string
	frame wire.Frame
} {
	return []struct {
		name  string
		frame wire.Frame
	}{
		{"publish", &wire.Publish{ID: id1, Flags: wire.FlagRequest, Deadline: 1732760000123, Command: "version", Data: []byte("some_data")}},
		{"publish empty data", &wire.Publish{ID: id1, Command: "num_servers"}},
		{"publish empty command", &wire.Publish{ID: id2, Data: []byte{0}}},
		{"publish max name", &wire.Publish{ID: id2, Command: maxName, Data: []byte("x")}},
		{"publish unicode", &wire.Publish{ID: id1, Command: "команда", Data: unicode}},
		{"publish negative deadline", &wire.Publish{ID: id1, Deadline: -1, Command: "c"}},
		{"publish answer group", &wire.Publish{ID: id1, Flags: wire.FlagRequest, Deadline: 99, Command: "version", AnswerGroup: "audit", Data: []byte("d")}},
		{"publish answer group max names", &wire.Publish{ID: id2, Flags: wire.FlagRequest, Command: maxName, AnswerGroup: maxName}},
		{"publish 1 MiB data", &wire.Publish{ID: id1, Command: "big", Data: bytes.Repeat([]byte{0xab}, 1<<20)}},
		{"confirm ok", &wire.Confirm{ID: id1}},
		{"confirm refused", &wire.Confirm{ID: id2, Code: wire.CodeQueueFull, Message: "queue version has 1000000 messages"}},
		{"confirm long message", &wire.Confirm{ID: id2, Code: wire.CodeStoreFailed, Message: strings.Repeat("é", 300)}},
		{"subscribe", &wire.Subscribe{SubID: 7, Credit: 64, Command: "version", Group: "workers"}},
		{"subscribe default group", &wire.Subscribe{SubID: 1, Credit: 1, Command: "version"}},
		{"subscribe ephemeral max names", &wire.Subscribe{SubID: 1<<32 - 1, Credit: 1<<32 - 1, Ephemeral: true, Command: maxName, Group: maxName}},
		{"unsubscribe", &wire.Unsubscribe{SubID: 42}},
		{"suback ok", &wire.SubAck{SubID: 42}},
		{"suback refused", &wire.SubAck{SubID: 42, Code: wire.CodeBadCommand, Message: "empty command"}},
		{"deliver", &wire.Deliver{SubID: 3, ID: id1, Attempt: 1, Deadline: 99, From: addr, Command: "version", Data: []byte("some_data")}},
		{"deliver empty strings and data", &wire.Deliver{SubID: 3, ID: id1, Attempt: 2}},
		{"deliver empty from", &wire.Deliver{ID: id2, Command: "c", Data: []byte("d")}},
		{"deliver max names", &wire.Deliver{ID: id2, Attempt: 20, From: maxAddr, Command: maxName, Data: unicode}},
		{"answer reply", &wire.Answer{ID: id1, Attempt: 1, Kind: wire.AnswerReply, Data: []byte("version: 0.1.0")}},
		{"answer error", &wire.Answer{ID: id1, Attempt: 3, Kind: wire.AnswerError, Data: []byte("no such user")}},
		{"answer retry empty", &wire.Answer{ID: id2, Attempt: 1<<32 - 1, Kind: wire.AnswerRetry}},
		{"result", &wire.Result{ID: id1, From: addr, Data: []byte("version: 0.1.0, data: some_data")}},
		{"result timeout", &wire.Result{ID: id2, Code: wire.CodeTimeout}},
		{"result unicode", &wire.Result{ID: id2, Code: wire.CodeRemoteError, From: "адрес", Data: unicode}},
		{"credit", &wire.Credit{SubID: 9, N: 1000}},
		{"touch", &wire.Touch{ID: id1, Attempt: 2, Millis: 30000}},
		{"error", &wire.Error{Code: wire.CodeMalformed, Fatal: true, Ref: id1, Message: "publish command: length 300 over limit 255"}},
		{"error unknown code", &wire.Error{Code: 999}},
		{"ping", &wire.Ping{Nonce: 1<<64 - 1}},
		{"pong", &wire.Pong{Nonce: 12345}},
		{"admin stats", &wire.AdminRequest{ReqID: 1, Op: wire.AdminStats}},
		{"admin replay", &wire.AdminRequest{ReqID: 1<<64 - 1, Op: wire.AdminReplay, Command: "version", Args: []byte(`{"ids":["0193..."]}`)}},
		{"admin unknown op max name", &wire.AdminRequest{ReqID: 7, Op: 255, Command: maxName, Args: unicode}},
		{"admin reply ok", &wire.AdminReply{ReqID: 1, Payload: []byte(`{"pending":3}`)}},
		{"admin reply empty", &wire.AdminReply{ReqID: 2}},
		{"admin reply refused", &wire.AdminReply{ReqID: 3, Code: wire.CodeNotFound, Message: "no command \"x\""}},
		{"admin reply with data", &wire.AdminReply{ReqID: 4, Payload: []byte(`{"id":"x"}`), Data: unicode}},
		{"admin reply data without payload", &wire.AdminReply{ReqID: 5, Data: []byte{0}}},
		{"admin reply 200 byte payload", &wire.AdminReply{ReqID: 6, Payload: bytes.Repeat([]byte{'p'}, 200), Data: []byte("d")}},
		{"info", &wire.Info{MaxMessageSize: 1 << 20}},
		{"info max", &wire.Info{MaxMessageSize: 1<<32 - 1}},
		{"cancel", &wire.Cancel{ID: id2}},
	}
}

// normalize returns f with empty Data as nil, the form Decode gives.
func normalize(f wire.Frame) wire.Frame {
	nilIfEmpty := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		return b
	}
	switch v := f.(type) {
	case *wire.Publish:
		c := *v
		c.Data = nilIfEmpty(c.Data)
		return &c
	case *wire.Deliver:
		c := *v
		c.Data = nilIfEmpty(c.Data)
		return &c
	case *wire.Answer:
		c := *v
		c.Data = nilIfEmpty(c.Data)
		return &c
	case *wire.Result:
		c := *v
		c.Data = nilIfEmpty(c.Data)
		return &c
	case *wire.AdminRequest:
		c := *v
		c.Args = nilIfEmpty(c.Args)
		return &c
	case *wire.AdminReply:
		c := *v
		c.Payload, c.Data = nilIfEmpty(c.Payload), nilIfEmpty(c.Data)
		return &c
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range sampleFrames() {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.frame.AppendTo(nil)
			if b[0] != wire.Version || wire.Type(b[1]) != tc.frame.Type() {
				t.Fatalf("header = %d %d, want %d %d", b[0], b[1], wire.Version, tc.frame.Type())
			}
			got, err := wire.Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want := normalize(tc.frame); !reflect.DeepEqual(got, want) {
				t.Fatalf("Decode = %+v, want %+v", got, want)
			}
		})
	}
}

func TestAppendToAppends(t *testing.T) {
	for _, tc := range sampleFrames() {
		t.Run(tc.name, func(t *testing.T) {
			alone := tc.frame.AppendTo(nil)
			prefix := []byte("prefix")
			b := tc.frame.AppendTo(prefix)
			if !bytes.Equal(b[:len(prefix)], []byte("prefix")) || !bytes.Equal(b[len(prefix):], alone) {
				t.Fatalf("AppendTo(prefix) did not append the frame after the prefix")
			}
		})
	}
}

func TestConfirmLongMessageIsCut(t *testing.T) {
	// 'é' is two bytes: a cut at MaxMessageLen (odd) would split one.
	long := strings.Repeat("é", wire.MaxMessageLen)
	b := (&wire.Confirm{ID: id1, Code: wire.CodeStoreFailed, Message: long}).AppendTo(nil)
	f, err := wire.Decode(b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	msg := f.(*wire.Confirm).Message
	if len(msg) != wire.MaxMessageLen-1 || !strings.HasPrefix(long, msg) {
		t.Fatalf("message cut to %d bytes, want %d bytes of the original", len(msg), wire.MaxMessageLen-1)
	}
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		typ  wire.Type
		want string
	}{
		{wire.TypePublish, "publish"},
		{wire.TypeSubAck, "suback"},
		{wire.TypePong, "pong"},
		{wire.TypeAdmin, "admin"},
		{wire.TypeAdminReply, "admin reply"},
		{wire.TypeInfo, "info"},
		{wire.TypeCancel, "cancel"},
		{wire.TypeCancel + 1, "Type(18)"},
		{0, "Type(0)"},
		{200, "Type(200)"},
	}
	for _, tc := range tests {
		if got := tc.typ.String(); got != tc.want {
			t.Errorf("Type(%d).String() = %q, want %q", uint8(tc.typ), got, tc.want)
		}
	}
}

// TestPublishAnswerGroupEncoding checks that the answer group is carried
// only when set: a publish without one has the layout of protocol
// version 1 before the field existed, so old peers read it, and the flag
// follows the field, never the caller's Flags.
func TestPublishAnswerGroupEncoding(t *testing.T) {
	const flagsAt = 2 + 16
	plain := (&wire.Publish{ID: id1, Flags: wire.FlagRequest | wire.FlagAnswerGroup, Deadline: 5, Command: "c", Data: []byte("d")}).AppendTo(nil)
	want := append([]byte{wire.Version, byte(wire.TypePublish)}, id1[:]...)
	want = append(want, wire.FlagRequest, 0, 0, 0, 0, 0, 0, 0, 5, 1, 'c', 'd')
	if !bytes.Equal(plain, want) {
		t.Fatalf("publish without answer group:\n%x\nwant\n%x", plain, want)
	}
	grouped := (&wire.Publish{ID: id1, Flags: wire.FlagRequest, Deadline: 5, Command: "c", AnswerGroup: "g", Data: []byte("d")}).AppendTo(nil)
	want[flagsAt] |= wire.FlagAnswerGroup
	want = append(want[:len(want)-1], 1, 'g', 'd')
	if !bytes.Equal(grouped, want) {
		t.Fatalf("publish with answer group:\n%x\nwant\n%x", grouped, want)
	}
	var p wire.Publish
	if err := wire.DecodePublish(grouped, &p); err != nil || p.Flags != wire.FlagRequest || p.AnswerGroup != "g" || p.Command != "c" {
		t.Fatalf("DecodePublish = %+v, %v", p, err)
	}
}
