package main

import "strings"

// errorLine is the line the CLI prints for err: one "teomq: " prefix,
// although the errors err wraps, of the teomq package, carry their own.
func errorLine(err error) string {
	msg := strings.ReplaceAll(err.Error(), ": teomq: ", ": ")
	return "teomq: " + strings.TrimPrefix(msg, "teomq: ")
}
