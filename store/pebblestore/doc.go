// Package pebblestore is teomq's durable store (store.Store) on the pebble
// storage engine: one key-value database per broker, written through a
// group-committed write-ahead log.
//
// Importing it registers it as the store package's disk store
// (store.RegisterDisk), which a broker opens in sync and interval
// durability:
//
//	import _ "github.com/teonet-go/teomq/store/pebblestore"
//
// Only broker programs import it, so that a program that only connects to
// a broker does not link the engine. OpenPebble opens a store directly.
package pebblestore
