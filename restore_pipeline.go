package teomq

import "github.com/teonet-go/teomq/store"

// restoreBatch is how many records loadPipelined hands over at a time.
const restoreBatch = 1024

// loadPipelined runs load and applies each record it reads, in load's
// order, on a goroutine of its own, so that reading the store and
// rebuilding the router share the processors. prepare runs on load's
// goroutine before a record is handed over. A record is handed over as a
// shallow copy: load may reuse the Record itself, not what it points to
// (its Msg, Answer, AckedBy, Attempts, Seqs or Takes). A panic in apply is
// raised again on the caller's goroutine once load has returned.
func loadPipelined(load func(func(*store.Record) error) error, prepare, apply func(*store.Record)) error {
	batches := make(chan []store.Record, 2)
	free := make(chan []store.Record, 3)
	done := make(chan struct{})
	var panicked any
	// Owned by loadPipelined: it ends once batches is closed and drained,
	// before loadPipelined returns. After a panic in apply it drains the
	// rest unapplied, so that load never waits for it.
	go func() {
		defer close(done)
		defer func() {
			if panicked = recover(); panicked != nil {
				for range batches {
				}
			}
		}()
		for batch := range batches {
			for i := range batch {
				apply(&batch[i])
			}
			clear(batch)
			select {
			case free <- batch[:0]:
			default:
			}
		}
	}()
	buf := make([]store.Record, 0, restoreBatch)
	defer func() {
		if len(buf) > 0 {
			batches <- buf
		}
		close(batches)
		<-done
		if panicked != nil {
			panic(panicked)
		}
	}()
	return load(func(r *store.Record) error {
		prepare(r)
		buf = append(buf, *r)
		if len(buf) == cap(buf) {
			batches <- buf
			select {
			case buf = <-free:
			default:
				buf = make([]store.Record, 0, restoreBatch)
			}
		}
		return nil
	})
}
