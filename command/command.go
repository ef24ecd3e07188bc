package command

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest command name in bytes, the longest name the
// teomq protocol carries.
const MaxNameLen = 255

// Handler answers one request for a command with the reply's bytes, or an
// error whose text goes back to the producer. Set.Handle calls it on the
// caller's goroutine, so a handler may run for many requests at once; it
// should return when ctx is done.
type Handler func(ctx context.Context, r *Request) ([]byte, error)

// Request is one call of a command.
type Request struct {
	Name string            // the command's name
	Vars map[string]string // the template's parameters bound to Data; empty without a template
	Data []byte            // the request's data as received, also for commands without a template
}

// Command is a command a consumer serves. Commands made by Set.Add have a
// checked name and template; they are shared by every request and must not
// be modified.
type Command struct {
	Name        string  // e.g. "version"
	Description string  // one line for Usage
	Template    string  // parameters, e.g. "{data}/{description}"; "" for none
	Handler     Handler // answers the command's requests
	params      []string
}

// Params returns the names of the command's parameters in template order.
func (c *Command) Params() []string {
	params, err := c.parameters()
	if err != nil {
		return nil
	}
	return append([]string(nil), params...)
}

// Syntax returns the command's name and template as a request line would
// spell them, e.g. "version/{data}", or the bare name without a template.
func (c *Command) Syntax() string {
	if c.Template == "" {
		return c.Name
	}
	return c.Name + "/" + c.Template
}

// Parse binds rest to the command's template and returns the parameters by
// name. Each parameter takes one '/'-separated segment of rest and the last
// takes the remainder, slashes included: rest "a/b/c/d" with template
// "{x}/{y}" gives x="a", y="b/c/d". Segments may be empty. With fewer
// segments than parameters Parse returns ErrMissingParam naming the first
// missing one. Without a template rest is not parsed and the map is empty.
func (c *Command) Parse(rest string) (map[string]string, error) {
	params, err := c.parameters()
	if err != nil {
		return nil, err
	}
	vars := make(map[string]string, len(params))
	if len(params) == 0 {
		return vars, nil
	}
	parts := strings.SplitN(rest, "/", len(params))
	if len(parts) < len(params) {
		return nil, fmt.Errorf("%w: %q of %s", ErrMissingParam, params[len(parts)], c.Syntax())
	}
	for i, p := range params {
		vars[p] = parts[i]
	}
	return vars, nil
}

// parameters returns the parsed template: the one Set.Add checked, or for a
// Command built by hand, its template parsed now.
func (c *Command) parameters() ([]string, error) {
	if c.params != nil || c.Template == "" {
		return c.params, nil
	}
	return parseTemplate(c.Template)
}

// checkName reports whether name is a valid command name.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrBadName)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%w: %d bytes, over %d", ErrBadName, len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrBadName, name)
	case strings.ContainsRune(name, '/'):
		return fmt.Errorf("%w: %q holds '/'", ErrBadName, name)
	case strings.IndexFunc(name, notPrint) >= 0:
		return fmt.Errorf("%w: %q holds a non-printable character", ErrBadName, name)
	}
	return nil
}

func notPrint(r rune) bool { return !unicode.IsPrint(r) }

// parseTemplate checks a template and returns its parameter names.
func parseTemplate(template string) ([]string, error) {
	if template == "" {
		return nil, nil
	}
	segments := strings.Split(template, "/")
	params := make([]string, 0, len(segments))
	seen := make(map[string]bool, len(segments))
	for _, seg := range segments {
		name, ok := strings.CutPrefix(seg, "{")
		if ok {
			name, ok = strings.CutSuffix(name, "}")
		}
		switch {
		case !ok || name == "":
			return nil, fmt.Errorf("%w: %q: segment %q is not {name}", ErrBadTemplate, template, seg)
		case !utf8.ValidString(name) || strings.ContainsAny(name, "{}") || strings.IndexFunc(name, notPrint) >= 0:
			return nil, fmt.Errorf("%w: %q: bad parameter name %q", ErrBadTemplate, template, name)
		case seen[name]:
			return nil, fmt.Errorf("%w: %q: parameter %q repeats", ErrBadTemplate, template, name)
		}
		seen[name] = true
		params = append(params, name)
	}
	return params, nil
}
