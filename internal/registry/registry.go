// Package registry holds one implementation registered by a package's
// init, the way database/sql drivers register: the disk store, the cluster
// engine and the metrics handler, each linked only by programs that import
// its package.
package registry

import (
	"fmt"
	"sync"
)

// One holds at most one registered value of type T. Its zero value is
// empty and ready; it is safe for concurrent use.
type One[T any] struct {
	mu  sync.Mutex
	v   T
	set bool
}

// Register registers v. It panics (naming what) if v is nil or a value is
// registered already: two packages providing the same part is a build
// mistake.
func (o *One[T]) Register(what string, v T, isNil bool) {
	if isNil {
		panic(fmt.Sprintf("%s: registered nil", what))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.set {
		panic(fmt.Sprintf("%s: registered twice", what))
	}
	o.v, o.set = v, true
}

// Get returns the registered value and whether there is one.
func (o *One[T]) Get() (T, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.v, o.set
}
