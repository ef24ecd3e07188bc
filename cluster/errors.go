package cluster

import (
	"fmt"

	"github.com/teonet-go/teomq/engine"
)

// errClosed is returned once the engine is closed or closing.
var errClosed = fmt.Errorf("cluster: %w", engine.ErrClosed)
