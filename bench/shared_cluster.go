package main

import (
	"context"
	"fmt"
	"sync"
)

// sharedCluster is the JetStream cluster the cluster rows share: started
// at the first run that asks for it, kept for the rest of the comparison,
// so that no row pays for its elections. Each run names its streams apart
// (names) and deletes them when it ends. run owns it and closes it. Safe
// for concurrent use.
type sharedCluster struct {
	// urls, when set, are the client URLs of a JetStream cluster running
	// elsewhere to use instead of an embedded one (-nats-cluster).
	urls []string

	mu      sync.Mutex // guards the fields below
	cluster *natsCluster
	runs    int
}

// get returns the cluster, starting it on the first call.
func (s *sharedCluster) get(ctx context.Context) (*natsCluster, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cluster == nil && len(s.urls) > 0 {
		s.cluster = &natsCluster{urls: s.urls}
	}
	if s.cluster == nil {
		c, err := startNATSCluster(ctx)
		if err != nil {
			return nil, err
		}
		s.cluster = c
	}
	return s.cluster, nil
}

// name returns a stream name prefix no earlier run used: "R1", "R2", ...
func (s *sharedCluster) name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	return fmt.Sprintf("R%d", s.runs)
}

// Close stops the cluster, if it started. Safe to call twice.
func (s *sharedCluster) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cluster == nil {
		return nil
	}
	err := s.cluster.Close()
	s.cluster = nil
	return err
}
