package examples_test

import (
	"os"
	"testing"
)

// TestMain runs the tests, then removes the programs they built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}
