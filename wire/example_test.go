package wire_test

import (
	"fmt"

	"github.com/teonet-go/teomq/wire"
)

func ExampleDecode() {
	buf := (&wire.Publish{Flags: wire.FlagRequest, Command: "version", Data: []byte("some_data")}).AppendTo(nil)

	f, err := wire.Decode(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	switch f := f.(type) {
	case *wire.Publish:
		fmt.Printf("%v %s %s\n", f.Type(), f.Command, f.Data)
	}
	// Output: publish version some_data
}

func ExampleDecodePublish() {
	buf := make([]byte, 0, 256) // one buffer reused for every frame
	buf = (&wire.Publish{Command: "num_servers"}).AppendTo(buf[:0])

	var p wire.Publish
	if t, err := wire.PeekType(buf); err == nil && t == wire.TypePublish {
		err = wire.DecodePublish(buf, &p)
		fmt.Println(p.Command, err)
	}
	// Output: num_servers <nil>
}
