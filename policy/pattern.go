package policy

import (
	"fmt"
	"strings"

	"github.com/teonet-go/teomq/router"
)

// glob is a compiled pattern: literal text in which each '*' matches any
// run of characters, the empty one included. parts holds the text between
// the stars, so a glob has at least two parts.
type glob struct{ parts []string }

func (g glob) match(s string) bool {
	first, last := g.parts[0], g.parts[len(g.parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, mid := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}

// checkPattern returns an error unless p is a valid command or group name
// in which '*' may stand for any run of characters.
func checkPattern(p string) error {
	if err := router.ValidName(p); err != nil {
		return fmt.Errorf("pattern %q: %w", p, err)
	}
	return nil
}

// nameSet matches names against exact names and patterns: a map read for
// the exact ones, a scan of the patterns for the rest. The zero nameSet
// matches nothing. It is not modified after it is built.
type nameSet struct {
	all   bool                // "*" was added
	exact map[string]struct{} // names without '*'
	globs []glob
}

// add adds a checked pattern.
func (s *nameSet) add(p string) {
	switch {
	case s.all:
	case p == "*":
		s.all, s.exact, s.globs = true, nil, nil
	case !strings.Contains(p, "*"):
		if s.exact == nil {
			s.exact = make(map[string]struct{})
		}
		s.exact[p] = struct{}{}
	default:
		s.globs = append(s.globs, glob{parts: strings.Split(p, "*")})
	}
}

func (s *nameSet) addAll(patterns []string) {
	for _, p := range patterns {
		s.add(p)
	}
}

// merge adds the names and patterns of o.
func (s *nameSet) merge(o *nameSet) {
	if s.all {
		return
	}
	if o.all {
		s.all, s.exact, s.globs = true, nil, nil
		return
	}
	if len(o.exact) > 0 && s.exact == nil {
		s.exact = make(map[string]struct{}, len(o.exact))
	}
	for name := range o.exact {
		s.exact[name] = struct{}{}
	}
	s.globs = append(s.globs, o.globs...)
}

// empty reports whether s matches nothing.
func (s *nameSet) empty() bool { return !s.all && len(s.exact) == 0 && len(s.globs) == 0 }

func (s *nameSet) match(name string) bool {
	if s.all {
		return true
	}
	if _, ok := s.exact[name]; ok {
		return true
	}
	for _, g := range s.globs {
		if g.match(name) {
			return true
		}
	}
	return false
}
