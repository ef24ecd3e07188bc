package teomq

// Stats is a snapshot of a broker's state: Broker.Stats in the broker's
// process, Client.Stats from elsewhere.
type Stats struct {
	Connections int `json:"connections"`  // peers connected
	Commands    int `json:"commands"`     // commands with a queue
	Groups      int `json:"groups"`       // consumer groups over all commands
	Subscribers int `json:"subscribers"`  // subscriptions over all commands
	Pending     int `json:"pending"`      // messages waiting for a consumer
	InFlight    int `json:"in_flight"`    // messages handed to a consumer and not answered
	DeadLetters int `json:"dead_letters"` // messages in dead-letter queues
	Mailbox     int `json:"mailbox"`      // answers waiting for their disconnected producer

	// Since the broker started:
	SlowPeers        int64 `json:"slow_peers"`        // peers dropped for not taking their data
	ProtocolErrors   int64 `json:"protocol_errors"`   // connections closed for a frame that does not decode
	CallbacksDropped int64 `json:"callbacks_dropped"` // OnPublish calls dropped while it fell behind
	Refused          int64 `json:"refused"`           // connections and actions the policy refused
}

// Stats returns a snapshot of the broker's state.
func (b *Broker) Stats() Stats {
	if b.cluster != nil {
		s := b.clusterStats()
		s.SlowPeers, s.ProtocolErrors = b.slowPeers.Load(), b.protocolErrors.Load()
		s.CallbacksDropped, s.Refused = b.notify.droppedCalls(), b.refused.Load()
		return s
	}
	b.mu.Lock()
	s := b.router.Stats()
	b.mu.Unlock()
	return Stats{
		Connections: s.Conns,
		Commands:    s.Commands,
		Groups:      s.Groups,
		Subscribers: s.Subscribers,
		Pending:     s.Pending,
		InFlight:    s.InFlight,
		DeadLetters: s.DeadLetters,
		Mailbox:     s.Mailbox,

		SlowPeers:        b.slowPeers.Load(),
		ProtocolErrors:   b.protocolErrors.Load(),
		CallbacksDropped: b.notify.droppedCalls(),
		Refused:          b.refused.Load(),
	}
}
