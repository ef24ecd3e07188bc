package policy

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/teonet-go/teomq/teonet"
)

// The built-in roles, which a file uses without defining them.
const (
	roleLocal  = "local"  // Go peers connected from loopback
	roleAnyone = "anyone" // every peer
)

// defaultGroupName names the default group (router.DefaultGroup, "") in a
// rule's groups.
const defaultGroupName = "default"

// fileTOML is the config file as it is decoded.
type fileTOML struct {
	Broker map[string]any      `toml:"broker"`
	Roles  map[string]roleTOML `toml:"roles"`
	Rules  []ruleTOML          `toml:"rule"`
}

// roleTOML is one [roles.NAME] table. Its values check themselves as they
// are decoded, so that errors carry the line the TOML library knows.
type roleTOML struct {
	Addresses []addressText `toml:"addresses"`
	Origins   []originText  `toml:"origins"`
}

// ruleTOML is one [[rule]]. Its values are checked after decoding: the
// TOML library reports the line of the last [[rule]] for an error in any
// of them, so errors name the rule's own header line instead.
type ruleTOML struct {
	Roles   []string `toml:"roles"`
	Publish []string `toml:"publish"`
	Consume []string `toml:"consume"`
	Groups  []string `toml:"groups"`
	Admin   []string `toml:"admin"`
}

// addressText is a Teonet address, checked when decoded.
type addressText string

func (a *addressText) UnmarshalText(b []byte) error {
	s, err := teonet.ParseAddress(string(b))
	*a = addressText(s)
	return err
}

// originText is a web origin, normalized when decoded.
type originText string

func (o *originText) UnmarshalText(b []byte) error {
	s, err := NormalizeOrigin(string(b))
	*o = originText(s)
	return err
}

// Parse reads a config file's roles and rules (its [broker] settings are
// checked for form and otherwise ignored) and returns its policy. name is
// the file's name for errors. Errors match ErrBadPolicy and give the line
// where it is known. A file without any [[rule]] yields the Default policy.
func Parse(data []byte, name string) (*Policy, error) {
	f, err := parseFile(data, name)
	if err != nil {
		return nil, err
	}
	return f.Policy, nil
}

// parseFile decodes and checks a whole config file.
func parseFile(data []byte, name string) (*File, error) {
	var raw fileTOML
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	if err != nil {
		return nil, tomlError(err, name)
	}
	settings, err := brokerSettings(raw.Broker)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadPolicy, name, err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return nil, fmt.Errorf("%w: %s: unknown key %s (a file holds [broker] settings, [roles.NAME] with addresses and origins, and [[rule]] with roles, publish, consume, groups and admin)",
			ErrBadPolicy, name, keys[0])
	}
	p, err := compile(&raw, name, ruleLines(data))
	if err != nil {
		return nil, err
	}
	return &File{Settings: settings, Policy: p}, nil
}

// tomlError wraps a decoding error with the file's name and line.
func tomlError(err error, name string) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %s: %w", ErrBadPolicy, name, err)
	}
	msg := pe.Message
	if pe.LastKey != "" {
		msg = pe.LastKey + ": " + msg
	}
	return fmt.Errorf("%w: %s:%d: %s", ErrBadPolicy, name, pe.Position.Line, msg)
}

// ruleLines returns the line numbers of the file's [[rule]] headers, in
// order: the i-th [[rule]] decoded is the one on ruleLines[i].
func ruleLines(data []byte) []int {
	var lines []int
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if inner, ok := strings.CutPrefix(strings.TrimSpace(line), "[["); ok {
			if inner, ok = strings.CutSuffix(inner, "]]"); ok && strings.TrimSpace(inner) == "rule" {
				lines = append(lines, i+1)
			}
		}
	}
	return lines
}

// compile checks the roles and rules and indexes them by member.
func compile(raw *fileTOML, name string, lines []int) (*Policy, error) {
	for _, r := range slices.Sorted(maps.Keys(raw.Roles)) {
		if err := checkRole(r, raw.Roles[r]); err != nil {
			return nil, fmt.Errorf("%w: %s: roles.%s: %w", ErrBadPolicy, name, r, err)
		}
	}
	if len(raw.Rules) == 0 {
		return &Policy{def: true, name: name}, nil
	}
	p := &Policy{name: name, roleCount: len(raw.Roles), byAddress: map[string][]int{}, byOrigin: map[string][]int{}}
	origins := map[string]bool{}
	for i, rt := range raw.Rules {
		r, err := checkRule(rt, raw.Roles)
		if err != nil {
			where := fmt.Sprintf("%s: rule %d", name, i+1)
			if i < len(lines) {
				where = fmt.Sprintf("%s:%d: rule %d", name, lines[i], i+1)
			}
			return nil, fmt.Errorf("%w: %s: %w", ErrBadPolicy, where, err)
		}
		p.rules = append(p.rules, r)
		for _, role := range rt.Roles {
			p.index(i, role, raw.Roles[role], origins)
		}
	}
	p.origins = slices.Sorted(maps.Keys(origins))
	return p, nil
}

// index records that rule i applies to the members of role.
func (p *Policy) index(i int, role string, members roleTOML, origins map[string]bool) {
	switch role {
	case roleLocal:
		p.local = append(p.local, i)
	case roleAnyone:
		p.anyone = append(p.anyone, i)
	}
	for _, a := range members.Addresses {
		p.byAddress[string(a)] = append(p.byAddress[string(a)], i)
	}
	for _, o := range members.Origins {
		p.byOrigin[string(o)] = append(p.byOrigin[string(o)], i)
		origins[string(o)] = true
	}
}

// checkRole checks a role's name and that it has members.
func checkRole(name string, r roleTOML) error {
	switch {
	case name == roleLocal || name == roleAnyone:
		return fmt.Errorf("%q is a built-in role (local: Go peers on this machine; anyone: every peer); choose another name", name)
	case len(r.Addresses) == 0 && len(r.Origins) == 0:
		return errors.New("lists no addresses or origins")
	}
	return nil
}

// checkRule checks one [[rule]] against the defined roles.
func checkRule(rt ruleTOML, roles map[string]roleTOML) (rule, error) {
	if len(rt.Roles) == 0 {
		return rule{}, errors.New(`names no roles (roles = ["NAME", ...])`)
	}
	for _, role := range rt.Roles {
		if _, ok := roles[role]; !ok && role != roleLocal && role != roleAnyone {
			defined := strings.Join(slices.Sorted(maps.Keys(roles)), ", ")
			if defined == "" {
				defined = "none"
			}
			return rule{}, fmt.Errorf("unknown role %q (defined: %s; built in: local, anyone)", role, defined)
		}
	}
	if len(rt.Publish)+len(rt.Consume)+len(rt.Admin) == 0 {
		return rule{}, errors.New("allows nothing: give publish, consume or admin a list of commands")
	}
	if rt.Groups != nil && len(rt.Consume) == 0 {
		return rule{}, errors.New("groups restrict consume, and the rule has no consume")
	}
	if rt.Groups != nil && len(rt.Groups) == 0 {
		return rule{}, errors.New(`groups is empty; leave it out to allow any group, or name groups ("default" is the default group)`)
	}
	for _, list := range [][]string{rt.Publish, rt.Consume, rt.Admin, rt.Groups} {
		for _, pat := range list {
			if err := checkPattern(pat); err != nil {
				return rule{}, err
			}
		}
	}
	var r rule
	r.publish.addAll(rt.Publish)
	r.consume.addAll(rt.Consume)
	r.admin.addAll(rt.Admin)
	if rt.Groups != nil {
		r.groups = new(nameSet)
		r.groups.addAll(rt.Groups)
	}
	return r, nil
}
