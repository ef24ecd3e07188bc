package teomq

import "github.com/teonet-go/teomq/store"

// restoreBatch is how many records loadPipelined hands over at a time.
const restoreBatch = 1024

// loadPipelined runs load and applies each record it reads, in load's
// order, on a goroutine of its own: reading the store and rebuilding the
// router then share the processors, which halves the start of a broker
// whose store holds a million requests. prepare runs on load's goroutine
// before a record is handed over. A record is handed over as a copy, so
// load may reuse it.
func loadPipelined(load func(func(*store.Record) error) error, prepare, apply func(*store.Record)) error {
	batches := make(chan []store.Record, 2)
	free := make(chan []store.Record, 3)
	done := make(chan struct{})
	// Owned by loadPipelined: it ends once batches is closed and drained,
	// before loadPipelined returns.
	go func() {
		defer close(done)
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
	err := load(func(r *store.Record) error {
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
	if len(buf) > 0 {
		batches <- buf
	}
	close(batches)
	<-done
	return err
}
