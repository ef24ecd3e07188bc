package teomq

import "github.com/teonet-go/teomq/store"

// discardStore is the store of DurabilityMemory: the router keeps the
// state, and a restart forgets it, so writes have nowhere to go.
type discardStore struct{}

var (
	_ store.Store    = discardStore{}
	_ store.Volatile = discardStore{}
)

func (discardStore) Write([]store.Op, bool) error         { return nil }
func (discardStore) Load(func(*store.Record) error) error { return nil }
func (discardStore) Close() error                         { return nil }
func (discardStore) Volatile()                            {}
