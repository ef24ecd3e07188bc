package command_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/teonet-go/teomq/command"
)

func TestAddValidation(t *testing.T) {
	tests := []struct {
		name     string
		cmd      string
		template string
		handler  command.Handler
		want     error
	}{
		{"plain", "version", "{data}", nop, nil},
		{"no template", "num_servers", "", nop, nil},
		{"unicode name", "версия", "{данные}", nop, nil},
		{"max length name", strings.Repeat("n", command.MaxNameLen), "", nop, nil},
		{"name with space", "get users", "", nop, nil},
		{"empty name", "", "", nop, command.ErrBadName},
		{"name too long", strings.Repeat("n", command.MaxNameLen+1), "", nop, command.ErrBadName},
		{"slash in name", "a/b", "", nop, command.ErrBadName},
		{"newline in name", "ver\nsion", "", nop, command.ErrBadName},
		{"control char in name", "ver\x00sion", "", nop, command.ErrBadName},
		{"invalid utf8 name", "ver\xffsion", "", nop, command.ErrBadName},
		{"template without braces", "c", "data", nop, command.ErrBadTemplate},
		{"template half brace", "c", "{data", nop, command.ErrBadTemplate},
		{"template empty param", "c", "{}", nop, command.ErrBadTemplate},
		{"template empty segment", "c", "{a}//{b}", nop, command.ErrBadTemplate},
		{"template trailing slash", "c", "{a}/", nop, command.ErrBadTemplate},
		{"template leading slash", "c", "/{a}", nop, command.ErrBadTemplate},
		{"template nested braces", "c", "{{a}}", nop, command.ErrBadTemplate},
		{"template repeated param", "c", "{a}/{b}/{a}", nop, command.ErrBadTemplate},
		{"template control char", "c", "{a\tb}", nop, command.ErrBadTemplate},
		{"nil handler", "c", "", nil, command.ErrNoHandler},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := command.NewSet()
			err := s.Add(tc.cmd, "description", tc.template, tc.handler)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Add(%q, %q) = %v, want %v", tc.cmd, tc.template, err, tc.want)
			}
			if _, ok := s.Get(tc.cmd); ok != (tc.want == nil) {
				t.Fatalf("Get after Add: found = %v, want %v", ok, tc.want == nil)
			}
		})
	}
}

func TestAddDuplicate(t *testing.T) {
	s := command.NewSet()
	if err := s.Add("version", "first", "{data}", nop); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("version", "second", "", nop); !errors.Is(err, command.ErrDuplicate) {
		t.Fatalf("second Add = %v, want ErrDuplicate", err)
	}
	if c, _ := s.Get("version"); c.Description != "first" || c.Template != "{data}" {
		t.Fatalf("duplicate Add replaced the command: %+v", c)
	}
}

func TestZeroSet(t *testing.T) {
	var s command.Set
	if _, err := s.Handle(context.Background(), "version", nil); !errors.Is(err, command.ErrUnknownCommand) {
		t.Fatalf("Handle on an empty set = %v, want ErrUnknownCommand", err)
	}
	if err := s.Add("version", "", "", nop); err != nil {
		t.Fatalf("Add on the zero Set: %v", err)
	}
	if got := s.Names(); !reflect.DeepEqual(got, []string{"version"}) {
		t.Fatalf("Names() = %q", got)
	}
}

// echoSet returns a set whose handlers report what they received.
func echoSet(t *testing.T) *command.Set {
	t.Helper()
	s := command.NewSet()
	echo := func(_ context.Context, r *command.Request) ([]byte, error) {
		return fmt.Appendf(nil, "%s %v %q", r.Name, r.Vars, r.Data), nil
	}
	fail := func(context.Context, *command.Request) ([]byte, error) {
		return nil, errors.New("user not found")
	}
	for _, c := range []struct {
		name, template string
		h              command.Handler
	}{
		{"version", "{data}", echo},
		{"user", "{id}/{field}", echo},
		{"num_servers", "", echo},
		{"fail", "", fail},
	} {
		if err := s.Add(c.name, "", c.template, c.h); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		cmd     string
		data    string
		want    string
		wantErr error
	}{
		{"one param", "version", "some_data", `version map[data:some_data] "some_data"`, nil},
		{"two params rest with slash", "user", "7/a/b", `user map[field:a/b id:7] "7/a/b"`, nil},
		{"no template keeps data", "num_servers", "raw", `num_servers map[] "raw"`, nil},
		{"unknown command", "nope", "x", "", command.ErrUnknownCommand},
		{"missing param", "user", "7", "", command.ErrMissingParam},
		{"name is case sensitive", "Version", "x", "", command.ErrUnknownCommand},
	}
	s := echoSet(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Handle(context.Background(), tc.cmd, []byte(tc.data))
			if !errors.Is(err, tc.wantErr) || string(got) != tc.want {
				t.Fatalf("Handle(%q, %q) = %q, %v; want %q, %v", tc.cmd, tc.data, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestHandleReturnsHandlerError(t *testing.T) {
	_, err := echoSet(t).Handle(context.Background(), "fail", nil)
	if err == nil || err.Error() != "user not found" {
		t.Fatalf("Handle = %v, want the handler's error", err)
	}
}

func TestHandleCanceledContext(t *testing.T) {
	s := command.NewSet()
	called := false
	if err := s.Add("c", "", "", func(context.Context, *command.Request) ([]byte, error) {
		called = true
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Handle(ctx, "c", nil); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("Handle with a canceled context = %v (handler called: %v), want context.Canceled", err, called)
	}
}

func TestNamesAndCommandsSorted(t *testing.T) {
	s := echoSet(t)
	want := []string{"fail", "num_servers", "user", "version"}
	if got := s.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %q, want %q", got, want)
	}
	var got []string
	for _, c := range s.Commands() {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Commands() names = %q, want %q", got, want)
	}
}

func TestUsage(t *testing.T) {
	s := command.NewSet()
	for _, c := range [][3]string{
		{"version", "Get consumer version.", "{data}"},
		{"num_servers", "Get number of servers.", ""},
		{"user", "Get a user's field.", "{id}/{field}"},
	} {
		if err := s.Add(c[0], c[1], c[2], nop); err != nil {
			t.Fatal(err)
		}
	}
	want := "" +
		"  num_servers        Get number of servers.\n" +
		"  user/{id}/{field}  Get a user's field.\n" +
		"  version/{data}     Get consumer version.\n"
	if got := s.Usage(); got != want {
		t.Fatalf("Usage() =\n%s\nwant\n%s", got, want)
	}
	if got := command.NewSet().Usage(); got != "" {
		t.Fatalf("Usage() of an empty set = %q, want empty", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := echoSet(t)
	const workers, calls = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				want := fmt.Sprintf(`version map[data:%d-%d] "%d-%d"`, w, i, w, i)
				got, err := s.Handle(context.Background(), "version", fmt.Appendf(nil, "%d-%d", w, i))
				if err != nil || string(got) != want {
					errs <- fmt.Errorf("Handle = %q, %v; want %q", got, err, want)
					return
				}
			}
		})
	}
	// Adding while serving is allowed, if not the intended use.
	if err := s.Add("late", "", "", nop); err != nil {
		t.Error(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
