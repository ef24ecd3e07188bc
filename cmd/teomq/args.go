package main

import (
	"flag"
	"strings"
)

// interspersed reorders a command line so that the standard flag package
// parses flags wherever they stand: the flags first, with their values,
// then "--" and the other arguments in their order. A "--" in args ends
// the flags: what follows is arguments, even if it starts with "-". A lone
// "-" is an argument (standard input). Flags keep the flag package's
// spellings, -name value, -name=value, --name=value; a boolean flag takes
// no separate value. A flag the set does not know is kept among the flags
// for Parse to report. It returns the flags (without the "--") and the
// arguments separately too, or a usage error for a flag missing its value.
func interspersed(fs *flag.FlagSet, args []string) (line, flags, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) < 2 || a[0] != '-':
			rest = append(rest, a)
		default:
			flags = append(flags, a)
			if !takesValue(fs, a) {
				continue
			}
			if i+1 == len(args) {
				return nil, nil, nil, usageErrorf("flag needs an argument: %s", a)
			}
			i++
			flags = append(flags, args[i])
		}
	}
	line = append(append(append(line, flags...), "--"), rest...)
	return line, flags, rest, nil
}

// takesValue reports whether the flag argument a, such as "-broker" or
// "--n", is a flag of fs whose value is the next argument.
func takesValue(fs *flag.FlagSet, a string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
