package policy

import (
	"errors"
	"fmt"
)

// Errors of checks against a Policy.
var (
	// ErrForbidden is returned when the policy grants the peer no right to
	// do what it asked, or, by Policy.Connect of a policy from a file, no
	// right at all. Refusals of Grants.Allow are *ForbiddenError values.
	ErrForbidden = errors.New("policy: forbidden")

	// ErrRemoteRefused is returned by Policy.Connect of the Default policy
	// for a peer that did not connect from loopback. The error says how to
	// allow it with a config file.
	ErrRemoteRefused = errors.New("policy: remote peer refused")
)

// ErrBadPolicy is returned by Parse and Load when a config file cannot be
// parsed or breaks a rule of its format: an unknown key, a rule naming an
// undefined role, a malformed address, origin or pattern. The wrapping
// error names the file and, where it is known, the line.
var ErrBadPolicy = errors.New("policy: bad config file")

// ForbiddenError is the refusal of Grants.Allow: the peer may not do
// Action on Command (in Group, for Consume). It matches ErrForbidden.
type ForbiddenError struct {
	Peer    string // the peer's address
	Origin  string // the page's origin; "" for a Go peer
	Action  Action
	Command string
	Group   string // the group of a Consume; "" is the default group
}

func (e *ForbiddenError) Error() string {
	who := e.Peer
	if e.Origin != "" {
		who = fmt.Sprintf("%s (page of %s)", e.Peer, e.Origin)
	}
	if e.Action != Consume {
		return fmt.Sprintf("%v: %s may not %v %q", ErrForbidden, who, e.Action, e.Command)
	}
	group := fmt.Sprintf("group %q", e.Group)
	if e.Group == "" {
		group = "the default group"
	}
	return fmt.Sprintf("%v: %s may not consume %q in %s", ErrForbidden, who, e.Command, group)
}

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }
