package policy

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// File is a broker config file: the [broker] settings and the policy of
// its roles and rules.
type File struct {
	// Settings holds each [broker] key with its value as the broker
	// command's flag of that name would take it: numbers and booleans in
	// Go syntax, arrays joined with commas.
	Settings map[string]string
	// Policy is the file's policy (Default if it has no [[rule]]).
	Policy *Policy
}

// Load reads and checks the config file at path. A file that cannot be
// read returns the os error; one that cannot be parsed or breaks the
// format returns an error matching ErrBadPolicy with the file and line.
// A broker reloading its policy keeps the old one when Load fails.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return parseFile(data, path)
}

// brokerSettings converts the [broker] table to flag values.
func brokerSettings(table map[string]any) (map[string]string, error) {
	settings := make(map[string]string, len(table))
	for k, v := range table {
		s, err := settingValue(v)
		if err != nil {
			return nil, fmt.Errorf("broker.%s: %w", k, err)
		}
		settings[k] = s
	}
	return settings, nil
}

// settingValue returns v as a flag would take it.
func settingValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			if _, ok := item.([]any); ok {
				return "", fmt.Errorf("item %d is an array; want a string, number or boolean", i+1)
			}
			s, err := settingValue(item)
			if err != nil {
				return "", fmt.Errorf("item %d: %w", i+1, err)
			}
			items[i] = s
		}
		return strings.Join(items, ","), nil
	}
	kind := "a date or time"
	if _, ok := v.(map[string]any); ok {
		kind = "a table"
	}
	return "", fmt.Errorf("%s; want a string, number, boolean or array of them (durations as strings: \"30s\")", kind)
}
