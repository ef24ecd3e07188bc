package teomq

// otherLabel is the command and group label of the series that sum the
// commands (and groups) past the label caps. A command really named
// "_other" is always summed there too, so the label never means two
// things.
const otherLabel = "_other"

// DefaultMetricsMaxCommands is BrokerConfig.MetricsMaxCommands when unset.
const DefaultMetricsMaxCommands = 1000

// maxGroupLabels is the most groups of one command labelled by name; the
// others are summed under group="_other".
const maxGroupLabels = 16

// seriesSet gives each (command, group) pair its counters, labelled by
// name for the first maxCommands commands seen and the first
// maxGroupLabels groups of each, and summed under "_other" past that, so
// that no client can create unbounded series. A command keeps its label
// until the broker restarts. Guarded by Broker.mu.
type seriesSet struct {
	maxCommands int
	commands    map[string]*commandSeries
	other       *commandSeries // the commands past the cap
	otherListed bool           // other is in all
	all         []*commandSeries
}

// commandSeries counts one labelled command, or those summed in "_other".
type commandSeries struct {
	name      string
	published uint64
	groups    []*groupSeries // labelled groups, in order of appearance
	other     *groupSeries   // groups past maxGroupLabels; every group of the "_other" command
}

// groupSeries counts one (command, group) label pair.
type groupSeries struct {
	name         string
	delivered    uint64 // every delivery, first or not
	redelivered  uint64 // deliveries after the first
	answers      [3]uint64
	expired      uint64
	deadLettered uint64
}

func newSeriesSet(maxCommands int) seriesSet {
	return seriesSet{
		maxCommands: maxCommands,
		commands:    make(map[string]*commandSeries),
		other:       &commandSeries{name: otherLabel},
	}
}

// command returns the series of the command named name, labelling it if
// the cap allows.
func (s *seriesSet) command(name string) *commandSeries {
	if c := s.commands[name]; c != nil {
		return c
	}
	if name == otherLabel || len(s.commands) >= s.maxCommands {
		if !s.otherListed {
			s.otherListed = true
			s.all = append(s.all, s.other)
		}
		return s.other
	}
	c := &commandSeries{name: name}
	s.commands[name] = c
	s.all = append(s.all, c)
	return c
}

// group returns the series of the group named name of the command named
// command.
func (s *seriesSet) group(command, name string) *groupSeries {
	c := s.command(command)
	if c == s.other {
		return c.otherGroup()
	}
	for _, g := range c.groups {
		if g.name == name {
			return g
		}
	}
	if name == otherLabel || len(c.groups) >= maxGroupLabels {
		return c.otherGroup()
	}
	g := &groupSeries{name: name}
	c.groups = append(c.groups, g)
	return g
}

// otherGroup returns c's series of the groups it does not label.
func (c *commandSeries) otherGroup() *groupSeries {
	if c.other == nil {
		c.other = &groupSeries{name: otherLabel}
	}
	return c.other
}
