package router

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest command or group name in bytes.
const MaxNameLen = 255

// ValidName reports whether s may name a command or a group: 1 to
// MaxNameLen bytes of printable UTF-8 without spaces or control
// characters. The error wraps ErrBadName with the reason. The default
// group's empty name is accepted by Subscribe without this check.
// ValidName is safe for concurrent use.
func ValidName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrBadName)
	case len(s) > MaxNameLen:
		return fmt.Errorf("%w: %d bytes, longer than %d", ErrBadName, len(s), MaxNameLen)
	}
	for i := 0; i < len(s); {
		if c := s[i]; c > ' ' && c < utf8.RuneSelf && c != 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrBadName, i)
		case r == ' ' || !unicode.IsPrint(r):
			return fmt.Errorf("%w: character %U at byte %d", ErrBadName, r, i)
		}
		i += n
	}
	return nil
}
