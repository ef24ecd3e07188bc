package teomq

// Stats is a snapshot of a broker's state.
type Stats struct {
	Connections int // peers connected
	Commands    int // commands with a queue
	Groups      int // consumer groups over all commands
	Subscribers int // subscriptions over all commands
	Pending     int // messages waiting for a consumer
	InFlight    int // messages handed to a consumer and not answered
	DeadLetters int // messages in dead-letter queues
	Mailbox     int // answers waiting for their disconnected producer

	// Since the broker started:
	SlowPeers        int64 // peers dropped for not taking their data
	ProtocolErrors   int64 // connections closed for a frame that does not decode
	CallbacksDropped int64 // OnPublish calls dropped while it fell behind
	Refused          int64 // connections and actions the policy refused
}

// Stats returns a snapshot of the broker's state.
func (b *Broker) Stats() Stats {
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
