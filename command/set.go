package command

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
)

// Set is the set of commands a consumer serves. Its methods are safe for
// concurrent use; add every command before serving so that subscriptions
// and Usage see them all. The zero Set is empty and ready to use.
type Set struct {
	mu       sync.RWMutex        // guards commands
	commands map[string]*Command // by name
}

// NewSet returns an empty set.
func NewSet() *Set {
	return &Set{commands: make(map[string]*Command)}
}

// Add adds the command name with its description, parameter template and
// handler. It returns an error wrapping ErrBadName, ErrBadTemplate,
// ErrNoHandler or ErrDuplicate and then leaves the set unchanged.
func (s *Set) Add(name, description, template string, h Handler) error {
	if err := checkName(name); err != nil {
		return err
	}
	params, err := parseTemplate(template)
	if err != nil {
		return err
	}
	if h == nil {
		return fmt.Errorf("%w: %q", ErrNoHandler, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.commands[name]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	if s.commands == nil {
		s.commands = make(map[string]*Command)
	}
	s.commands[name] = &Command{
		Name:        name,
		Description: description,
		Template:    template,
		Handler:     h,
		params:      params,
	}
	return nil
}

// Get returns the command name, if the set holds it. The command must not
// be modified.
func (s *Set) Get(name string) (*Command, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.commands[name]
	return c, ok
}

// Names returns the names of the set's commands, sorted.
func (s *Set) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.commands))
}

// Commands returns the set's commands sorted by name. They must not be
// modified.
func (s *Set) Commands() []*Command {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.SortedFunc(maps.Values(s.commands), func(a, b *Command) int {
		return strings.Compare(a.Name, b.Name)
	})
}

// Handle serves one request: it finds the command name, binds data to its
// template and calls its handler with a Request whose Data is data. It
// returns an error wrapping ErrUnknownCommand or ErrMissingParam without
// calling a handler, ctx's error if ctx is already done, or else what the
// handler returns.
func (s *Set) Handle(ctx context.Context, name string, data []byte) ([]byte, error) {
	c, ok := s.Get(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCommand, name)
	}
	vars, err := c.Parse(string(data))
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.Handler(ctx, &Request{Name: name, Vars: vars, Data: data})
}

// Usage returns a help text with one line per command, sorted by name: its
// syntax (name and template) and its description, in aligned columns.
func (s *Set) Usage() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range s.Commands() {
		fmt.Fprintf(w, "  %s\t%s\n", c.Syntax(), c.Description)
	}
	w.Flush()
	return b.String()
}
