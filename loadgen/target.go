package loadgen

import "context"

// Target is a messaging system under load. Run calls Connect from several
// goroutines at once and Fill from one; Run does not close the Target: its
// maker does, after the last Run.
type Target interface {
	// Connect opens one client connection.
	Connect(ctx context.Context) (Conn, error)
	// Fill stores n messages holding payload for ModeConsume, durably as
	// the Target is configured, and returns once all are confirmed. It is
	// not timed.
	Fill(ctx context.Context, n int, payload []byte) error
	// Close releases the Target and what it started. Safe to call twice.
	Close() error
}

// Conn is one client connection of a Target. Run calls its methods from one
// goroutine; the callbacks of Consume run on the Conn's own goroutines.
type Conn interface {
	// Respond starts answering every request with its payload, until
	// Close. The responders of a Target share the requests among them
	// (a queue group): each request gets one answer.
	Respond(ctx context.Context) error
	// Request sends payload as a request and waits for the answer. It
	// returns an error wrapping ErrBadAnswer when the answer is not the
	// payload.
	Request(ctx context.Context, payload []byte) error
	// Send publishes payload and returns once the system confirmed that it
	// stored it.
	Send(ctx context.Context, payload []byte) error
	// Consume starts taking the messages Fill stored, shared among the
	// consuming Conns, and acknowledges each without waiting for the
	// acknowledgement to be confirmed. It calls onMsg once per message
	// taken, possibly from several goroutines at once, until Close.
	Consume(ctx context.Context, onMsg func()) error
	// Close closes the connection; after it returns, onMsg may still be
	// called by handlers that were running. Safe to call twice.
	Close() error
}
