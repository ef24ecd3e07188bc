package command

import "strings"

// Split separates a command line at its first '/' into the command name and
// the rest, the data bound to the command's template:
// "version/some_data" gives "version", "some_data"; "version" gives
// "version", "".
func Split(line string) (name, rest string) {
	name, rest, _ = strings.Cut(line, "/")
	return name, rest
}
