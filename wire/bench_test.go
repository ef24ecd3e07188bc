package wire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

// The benchmarks encode a frame into a reused buffer and decode it, as a
// connection does. The json variants are the baseline: the same struct
// through encoding/json.

var benchData = bytes.Repeat([]byte{'d'}, 128)

func BenchmarkPublish(b *testing.B) {
	p := wire.Publish{ID: id1, Flags: wire.FlagRequest, Deadline: 1732760000123, Command: "version", Data: benchData}
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		var out wire.Publish
		for b.Loop() {
			buf = p.AppendTo(buf[:0])
			if err := wire.DecodePublish(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var out wire.Publish
		for b.Loop() {
			buf, err := json.Marshal(&p)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDeliver(b *testing.B) {
	d := wire.Deliver{SubID: 3, ID: id1, Attempt: 1, Deadline: 1732760000123, From: addr, Command: "version", Data: benchData}
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		var out wire.Deliver
		for b.Loop() {
			buf = d.AppendTo(buf[:0])
			if err := wire.DecodeDeliver(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var out wire.Deliver
		for b.Loop() {
			buf, err := json.Marshal(&d)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	buf := (&wire.Deliver{SubID: 3, ID: id1, Attempt: 1, From: addr, Command: "version", Data: benchData}).AppendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}
