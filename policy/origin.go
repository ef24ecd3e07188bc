package policy

import (
	"fmt"
	"net/url"
	"strings"
)

// NormalizeOrigin returns a web origin as browsers send it: lower-case
// scheme and host, and no port when it is the scheme's default. It returns
// an error unless origin is "scheme://host[:port]" with no path, query or
// user. It is safe for concurrent use.
func NormalizeOrigin(origin string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(origin))
	switch {
	case err != nil:
		return "", fmt.Errorf("origin %q: %w", origin, err)
	case u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "", fmt.Errorf("origin %q: want scheme://host[:port], such as http://localhost:8094", origin)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return "", fmt.Errorf("origin %q: an origin has no path, query or user", origin)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host, nil
}
