package teomq

// The vocabulary of operator requests, shared by the broker that answers
// them (broker_admin.go) and the client that makes them (client_admin.go):
// what a request's arguments and a reply's payload hold, as JSON inside
// the wire's admin frames.

// CommandList is the broker's commands, as Client.Commands reports them.
type CommandList struct {
	// Total is how many commands the broker has. Commands holds them all,
	// by name, unless that would not fit one frame: then the first ones.
	Total    int           `json:"total"`
	Commands []CommandInfo `json:"commands"`
}

// CommandInfo describes one command's queue.
type CommandInfo struct {
	Name string `json:"name"`
	// Messages counts the messages that some group has not finished
	// (pending or in flight): what BrokerConfig.MaxQueueLen bounds.
	Messages int `json:"messages"`
	// Copies over all groups: waiting for a consumer, handed to one and
	// not answered, in dead-letter queues.
	Pending     int `json:"pending"`
	InFlight    int `json:"in_flight"`
	DeadLetters int `json:"dead_letters"`
	Subscribers int `json:"subscribers"`
	// Counts since the command was created or the broker started:
	// messages stored, deliveries made, answers (replies and handler
	// errors) taken. Rates are their differences over time.
	Published uint64      `json:"published"`
	Delivered uint64      `json:"delivered"`
	Answered  uint64      `json:"answered"`
	Groups    []GroupInfo `json:"groups"`
}

// GroupInfo describes one consumer group of a command. A durable group
// stays, and keeps a copy of every new message, until it is deleted
// (Client.DeleteGroup), even with no consumer left; an ephemeral one
// vanishes with its last consumer.
type GroupInfo struct {
	Name        string         `json:"name"` // "" is the default group
	Durable     bool           `json:"durable"`
	Pending     int            `json:"pending"`
	InFlight    int            `json:"in_flight"`
	DeadLetters int            `json:"dead_letters"`
	Consumers   []ConsumerInfo `json:"consumers"`
}

// ConsumerInfo describes one subscription of a group.
type ConsumerInfo struct {
	Address     string `json:"address"`     // the consumer's Teonet address
	Credit      int    `json:"credit"`      // messages it may hold at once
	Outstanding int    `json:"outstanding"` // messages it holds
}

// DeadLetterList is a page of a command's dead letters, as
// Client.DeadLetters reports them.
type DeadLetterList struct {
	// Total is how many dead letters the command has; Letters holds the
	// oldest, at most MaxListedDeadLetters (fewer if they would not fit
	// one frame), without their data.
	Total   int          `json:"total"`
	Letters []DeadLetter `json:"letters"`
}

// MaxListedDeadLetters is the most dead letters one DeadLetters call
// lists.
const MaxListedDeadLetters = 1000

// DeadLetter is a message in a group's dead-letter queue: it was delivered
// BrokerConfig.MaxDeliveries times without an answer. It stays stored
// until it is replayed and answered, or purged.
type DeadLetter struct {
	ID       MessageID `json:"id"`
	Group    string    `json:"group"`    // "" is the default group
	Attempts int       `json:"attempts"` // deliveries before it was dead-lettered
	// LastError is the reason the handler's last teomq.Retry gave, ""
	// if none did. The broker keeps it in memory only: a restart forgets
	// it.
	LastError string `json:"last_error,omitempty"`
	From      string `json:"from"` // the producer's address
	Request   bool   `json:"request"`
	Size      int    `json:"size"`           // bytes of data
	Data      []byte `json:"data,omitempty"` // set by Client.DeadLetter only
}

// adminArgs are an operator request's arguments.
type adminArgs struct {
	Group string      `json:"group,omitempty"` // DeleteGroup
	IDs   []MessageID `json:"ids,omitempty"`   // DeadLetter (one), Replay (none: all)
}

// adminCount is the reply of the operator requests that change state: how
// many messages (or copies) they moved or removed.
type adminCount struct {
	N int `json:"n"`
}
