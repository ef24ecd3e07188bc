package pebblestore

import "github.com/teonet-go/teomq/store"

// init makes the pebble store the one store.OpenDisk opens.
func init() { store.RegisterDisk(openDisk) }

// openDisk opens a PebbleStore as cfg says.
func openDisk(cfg store.DiskConfig) (store.Store, error) {
	opts := PebbleOptions{
		SyncInterval: cfg.SyncInterval,
		SyncDelay:    cfg.SyncDelay,
		Logger:       cfg.Logger,
		OnHealth:     cfg.OnHealth,
	}
	if cfg.Interval {
		opts.Durability = DurabilityInterval
	}
	s, err := OpenPebble(cfg.Dir, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}
