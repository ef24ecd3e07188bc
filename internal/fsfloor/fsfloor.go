// Package fsfloor is the physical floor that teomq's durable writes are
// measured against in benchmarks: a plain file append with fdatasync,
// group-committed by one goroutine.
package fsfloor

import (
	"os"
	"strconv"
	"sync"
)

// Committer appends records to a file and fdatasyncs: callers hand records
// to one committer goroutine, which writes all pending records with one
// write, syncs once and releases their callers. Its goroutine is started by
// Start and ended by Stop.
type Committer struct {
	f    *os.File
	own  bool // f was opened by Create; Stop closes it
	reqs chan request
	wg   sync.WaitGroup
}

type request struct {
	data []byte
	done chan error
}

// Start starts a committer appending to f.
func Start(f *os.File) *Committer {
	c := &Committer{f: f, reqs: make(chan request, 1024)}
	c.wg.Add(1)
	go c.loop()
	return c
}

// Create creates (or truncates) the file at path and starts a committer
// appending to it; Stop closes the file.
func Create(path string) (*Committer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	c := Start(f)
	c.own = true
	return c, nil
}

// Append appends data and returns once it is synced to disk. Safe for
// concurrent use until Stop.
func (c *Committer) Append(data []byte) error {
	done := make(chan error, 1)
	c.reqs <- request{data, done}
	return <-done
}

// Stop ends the committer once pending appends are done, and closes the
// file if Create opened it.
func (c *Committer) Stop() {
	close(c.reqs)
	c.wg.Wait()
	if c.own {
		c.f.Close()
	}
}

func (c *Committer) loop() {
	defer c.wg.Done()
	var buf []byte
	var batch []request
	for req := range c.reqs {
		batch = append(batch[:0], req)
	drain:
		for {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		buf = buf[:0]
		for _, r := range batch {
			buf = strconv.AppendInt(buf, int64(len(r.data)), 10)
			buf = append(buf, r.data...)
		}
		_, err := c.f.Write(buf)
		if err == nil {
			err = fdatasync(c.f)
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}
