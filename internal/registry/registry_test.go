package registry

import (
	"strings"
	"testing"
)

// A value is there once registered; a nil one or a second one is a build
// mistake that panics, naming what was registered.
func TestOne(t *testing.T) {
	var o One[func() int]
	if _, ok := o.Get(); ok {
		t.Fatal("an empty registry reports a value")
	}
	mustPanic(t, "thing: registered nil", func() { o.Register("thing", nil, true) })
	o.Register("thing", func() int { return 7 }, false)
	f, ok := o.Get()
	if !ok || f() != 7 {
		t.Fatalf("Get after Register: ok %v", ok)
	}
	mustPanic(t, "thing: registered twice", func() { o.Register("thing", func() int { return 8 }, false) })
	if f, _ := o.Get(); f() != 7 {
		t.Fatal("a refused second registration replaced the first")
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one saying %q", r, want)
		}
	}()
	f()
}
