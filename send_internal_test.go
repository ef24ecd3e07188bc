package teomq

import (
	"bytes"
	"testing"

	"github.com/teonet-go/teomq/wire"
)

// A call encodes its caller's payload until it is finished, however it
// finishes, and never after: from then on the caller may reuse the payload,
// and a resend that comes late sends nothing.
func TestCallReleasesPayloadWhenFinished(t *testing.T) {
	finishes := map[string]func(c *Client, cl *call){
		"answered":  func(c *Client, cl *call) { c.finish(cl, &Answer{}, nil) },
		"failed":    func(_ *Client, cl *call) { cl.fail(ErrClosed) },
		"forgotten": func(c *Client, cl *call) { c.forget(cl) },
	}
	for name, finish := range finishes {
		t.Run(name, func(t *testing.T) {
			payload := []byte("payload")
			p := wire.Publish{ID: wire.ID{1}, Command: "cmd", Data: payload}
			cl := &call{id: p.ID, done: make(chan struct{}), pub: p}
			c := &Client{calls: map[wire.ID]*call{p.ID: cl}}
			if got, want := cl.appendPublish(nil), p.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("pending call encodes %q, want %q", got, want)
			}
			finish(c, cl)
			select {
			case <-cl.done:
			default:
				t.Fatal("call not finished")
			}
			if got := cl.appendPublish(nil); len(got) != 0 {
				t.Fatalf("finished call still encodes its payload: %q", got)
			}
		})
	}
}
