package command_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/teonet-go/teomq/command"
)

func nop(context.Context, *command.Request) ([]byte, error) { return nil, nil }

// mustGet adds one command to a new set and returns it.
func mustGet(t *testing.T, name, template string) *command.Command {
	t.Helper()
	s := command.NewSet()
	if err := s.Add(name, "", template, nop); err != nil {
		t.Fatalf("Add(%q, %q): %v", name, template, err)
	}
	c, ok := s.Get(name)
	if !ok {
		t.Fatalf("Get(%q) found nothing after Add", name)
	}
	return c
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		template string
		rest     string
		want     map[string]string
		missing  string // the parameter named by ErrMissingParam
	}{
		{"one param", "{data}", "some_data", map[string]string{"data": "some_data"}, ""},
		{"one param takes slashes", "{data}", "a/b/c", map[string]string{"data": "a/b/c"}, ""},
		{"one param empty", "{data}", "", map[string]string{"data": ""}, ""},
		{"two params", "{x}/{y}", "a/b", map[string]string{"x": "a", "y": "b"}, ""},
		{"last takes the rest", "{x}/{y}", "a/b/c/d", map[string]string{"x": "a", "y": "b/c/d"}, ""},
		{"empty segments", "{x}/{y}/{z}", "//", map[string]string{"x": "", "y": "", "z": ""}, ""},
		{"unicode", "{имя}/{data}", "Кирилл/данные/🙂", map[string]string{"имя": "Кирилл", "data": "данные/🙂"}, ""},
		{"no template ignores rest", "", "anything/at/all", map[string]string{}, ""},
		{"no template empty", "", "", map[string]string{}, ""},
		{"missing second", "{data}/{description}", "some_data", nil, "description"},
		{"missing third", "{a}/{b}/{c}", "1/2", nil, "c"},
		{"empty rest two params", "{a}/{b}", "", nil, "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustGet(t, "cmd", tc.template)
			got, err := c.Parse(tc.rest)
			if tc.missing != "" {
				if !errors.Is(err, command.ErrMissingParam) || !strings.Contains(err.Error(), `"`+tc.missing+`"`) {
					t.Fatalf("Parse(%q) = %v, %v; want ErrMissingParam naming %q", tc.rest, got, err, tc.missing)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tc.rest, got, err, tc.want)
			}
		})
	}
}

func TestParseCommandBuiltByHand(t *testing.T) {
	c := &command.Command{Name: "user", Template: "{id}/{field}"}
	got, err := c.Parse("7/name")
	if err != nil || got["id"] != "7" || got["field"] != "name" {
		t.Fatalf("Parse = %v, %v", got, err)
	}
	bad := &command.Command{Name: "user", Template: "{id}/field"}
	if _, err := bad.Parse("7/name"); !errors.Is(err, command.ErrBadTemplate) {
		t.Fatalf("Parse with a bad template: %v, want ErrBadTemplate", err)
	}
}

func TestCommandSyntaxAndParams(t *testing.T) {
	tests := []struct {
		name, template, syntax string
		params                 []string
	}{
		{"version", "{data}", "version/{data}", []string{"data"}},
		{"num_servers", "", "num_servers", nil},
		{"user", "{id}/{field}/{value}", "user/{id}/{field}/{value}", []string{"id", "field", "value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustGet(t, tc.name, tc.template)
			if got := c.Syntax(); got != tc.syntax {
				t.Errorf("Syntax() = %q, want %q", got, tc.syntax)
			}
			params := c.Params()
			if !reflect.DeepEqual(params, tc.params) {
				t.Errorf("Params() = %q, want %q", params, tc.params)
			}
			if len(params) > 0 {
				params[0] = "changed"
				if c.Params()[0] == "changed" {
					t.Errorf("Params() exposes the command's own slice")
				}
			}
		})
	}
}
