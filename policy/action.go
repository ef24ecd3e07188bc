package policy

import "fmt"

// Action is what a rule allows on a command.
type Action uint8

// The actions of a rule. The zero Action is none of them: Grants.Allow
// refuses it.
const (
	// Publish is sending a message to a command (Client.Send and
	// Client.Request).
	Publish Action = iota + 1
	// Consume is subscribing to a command, in a group; answering the
	// messages delivered needs no other right.
	Consume
	// Admin is an operator request about a command's queue: its stats,
	// dead letters, groups. A request about the whole broker is checked
	// with the command "", which only the pattern "*" matches.
	Admin
)

// String returns the action's name as the config file spells it.
func (a Action) String() string {
	switch a {
	case Publish:
		return "publish"
	case Consume:
		return "consume"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}
