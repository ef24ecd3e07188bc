package store

// Pipeliner is a Store whose synced writes can be started before the ones
// ahead of them are durable. A writer that starts write N+1 while write N
// syncs lets one sync of the medium cover everything that arrived during
// the previous one.
type Pipeliner interface {
	Store
	// WriteNoWait applies ops atomically, as Write(ops, true) does, and
	// returns without waiting for them to become durable. Writes are
	// ordered as their WriteNoWait calls: a write is durable no later than
	// the ones started after it. Every SyncedWrite returned must be waited
	// for before Close. An error means none of the ops were applied.
	WriteNoWait(ops []Op) (SyncedWrite, error)
}

// SyncedWrite is a write started by Pipeliner.WriteNoWait.
type SyncedWrite interface {
	// Wait returns once the write is durable as the store's mode promises,
	// with the error Write(ops, true) would have returned. Call it once.
	Wait() error
}
