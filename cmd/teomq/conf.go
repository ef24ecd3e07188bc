package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/teonet-go/teomq/policy"
)

// errUnknownSetting is returned by loadConf when the config file's
// [broker] table has a key that is not a flag of the broker command.
var errUnknownSetting = errors.New("unknown setting")

// confFlag is the flag that names the config file; the file cannot set it.
const confFlag = "conf"

// loadConf loads the config file at path and applies its [broker]
// settings to fs, which must already hold the command line: each setting
// whose flag the command line did not give is set as if it had, so flags
// given win over the file. It returns the file, whose Policy the broker
// enforces. Errors name the file and the setting.
func loadConf(fs *flag.FlagSet, path string) (*policy.File, error) {
	f, err := policy.Load(path)
	if err != nil {
		return nil, err
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, k := range slices.Sorted(maps.Keys(f.Settings)) {
		v := f.Settings[k]
		switch {
		case k == confFlag || fs.Lookup(k) == nil:
			return nil, fmt.Errorf("%s: [broker] %w %q; the settings are the flags of teomq broker: %s",
				path, errUnknownSetting, k, strings.Join(settingNames(fs), ", "))
		case given[k]:
			continue
		}
		if err := fs.Set(k, v); err != nil {
			return nil, fmt.Errorf("%s: [broker] %s = %q: %w", path, k, v, err)
		}
	}
	return f, nil
}

// settingNames lists the flags a config file may set.
func settingNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(fl *flag.Flag) {
		if fl.Name != confFlag {
			names = append(names, fl.Name)
		}
	})
	return names
}
