package engine

import "errors"

// ErrNoCluster is returned by OpenCluster when the program links no cluster
// engine: it must import github.com/teonet-go/teomq/cluster.
var ErrNoCluster = errors.New(`engine: no cluster engine linked: import _ "github.com/teonet-go/teomq/cluster"`)

// ErrUnavailable is returned (wrapped) when the engine cannot reach its
// store for now: the publish or answer may be retried.
var ErrUnavailable = errors.New("engine: queue store unavailable")
