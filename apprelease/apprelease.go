// Package apprelease knows the releases of the apps satupintu serves: each
// client app's minimum and latest version and where it is updated, and
// which app and version a request comes from, by the client-awareness
// headers Apollo's clients send.
package apprelease

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/mod/semver"
)

// The headers Apollo Kotlin, Apollo iOS and Apollo Client send when the
// app sets a client name and version.
const (
	HeaderClientName    = "apollographql-client-name"
	HeaderClientVersion = "apollographql-client-version"
)

// Client is the app a request says it comes from.
type Client struct {
	Name    string // e.g. satupintu-android; "" when not sent
	Version string // e.g. 2.3.0; "" when not sent
}

// maxHeader bounds a client name or version: both reach logs.
const maxHeader = 64

// ClientOf reads the client from a request's headers. A value too long or
// with characters a name or version never has is dropped (it reaches logs
// and metrics).
func ClientOf(h http.Header) Client {
	return Client{Name: sane(h.Get(HeaderClientName)), Version: sane(h.Get(HeaderClientVersion))}
}

func sane(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxHeader {
		return ""
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.+ ()", c)) {
			return ""
		}
	}
	return s
}

func validName(s string) bool {
	if s == "" || len(s) > maxHeader {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Policy is what satupintu requires of, and tells, each app: by client
// name, the oldest version still served, the newest released, and where
// the app is updated.
type Policy struct {
	Minimum          map[string]string // client name → oldest version served
	Latest           map[string]string // client name → newest version released
	UpdateURL        map[string]string // client name → its store page
	DefaultUpdateURL string            // for a client without one of its own
}

// Release is what the policy says of one client.
type Release struct {
	MinimumVersion string // "" when none is required
	LatestVersion  string // "" when not configured
	UpdateURL      string // "" when not configured
}

// Release is the policy for the client named name.
func (p Policy) Release(name string) Release {
	r := Release{MinimumVersion: p.Minimum[name], LatestVersion: p.Latest[name], UpdateURL: p.UpdateURL[name]}
	if r.UpdateURL == "" && (r.MinimumVersion != "" || r.LatestVersion != "") {
		r.UpdateURL = p.DefaultUpdateURL
	}
	return r
}

// Names are the clients the policy names, sorted.
func (p Policy) Names() []string {
	var names []string
	for _, m := range []map[string]string{p.Minimum, p.Latest, p.UpdateURL} {
		for n := range m {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

// Validate checks that every client held to a minimum version is told
// where to update, and that no minimum is newer than the latest release.
func (p Policy) Validate() error {
	for _, name := range p.Names() {
		r := p.Release(name)
		if r.MinimumVersion != "" && r.UpdateURL == "" {
			return fmt.Errorf("%s has a minimum version but no update URL", name)
		}
		if r.MinimumVersion != "" && r.LatestVersion != "" && Compare(r.LatestVersion, r.MinimumVersion) < 0 {
			return fmt.Errorf("%s: the latest version %s is older than the minimum %s", name, r.LatestVersion, r.MinimumVersion)
		}
	}
	return nil
}

// Outdated reports whether an app of version is below the minimum. With
// a minimum set, a version that is missing or not a semantic version is
// outdated: it cannot show that it is new enough.
func (r Release) Outdated(version string) bool {
	if r.MinimumVersion == "" {
		return false
	}
	return !Valid(version) || Compare(version, r.MinimumVersion) < 0
}

// UpdateAvailable reports whether a newer release than version exists.
func (r Release) UpdateAvailable(version string) bool {
	return r.LatestVersion != "" && Valid(version) && Compare(version, r.LatestVersion) < 0
}

// Valid reports whether v is a semantic version (2.3.0, 2.3, 2.3.0-rc.1,
// 2.3.0+45; a leading v is allowed).
func Valid(v string) bool { return v != "" && semver.IsValid(canonical(v)) }

// Compare compares two valid versions by semantic-versioning precedence:
// -1, 0 or +1.
func Compare(a, b string) int { return semver.Compare(canonical(a), canonical(b)) }

func canonical(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// ParseVersions reads "name:version,name:version".
func ParseVersions(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, entry := range splitList(s) {
		name, v, ok := strings.Cut(entry, ":")
		name, v = strings.TrimSpace(name), strings.TrimSpace(v)
		switch {
		case !ok || name == "" || v == "":
			return nil, fmt.Errorf("%q: want <client name>:<version>, e.g. satupintu-android:2.3.0", entry)
		case !validName(name):
			return nil, fmt.Errorf("%q: a client name is letters, digits, '-', '_' and '.'", name)
		case !Valid(v):
			return nil, fmt.Errorf("%q: %q is not a semantic version such as 2.3.0", entry, v)
		case out[name] != "":
			return nil, fmt.Errorf("%s is named twice", name)
		}
		out[name] = v
	}
	return out, nil
}

// ParseUpdateURLs reads one URL for every client, or "name:URL" entries,
// or both ("https://satupintu.go.id/update,satupintu-android:https://play.google.com/...").
func ParseUpdateURLs(s string) (perClient map[string]string, def string, err error) {
	perClient = map[string]string{}
	for _, entry := range splitList(s) {
		name, u := "", entry
		if !strings.HasPrefix(entry, "https://") && !strings.HasPrefix(entry, "http://") {
			var ok bool
			if name, u, ok = strings.Cut(entry, ":"); !ok {
				return nil, "", fmt.Errorf("%q: want a URL, or <client name>:<URL>", entry)
			}
			name, u = strings.TrimSpace(name), strings.TrimSpace(u)
			if !validName(name) {
				return nil, "", fmt.Errorf("%q: a client name is letters, digits, '-', '_' and '.'", name)
			}
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, "", fmt.Errorf("%q: %q is not an absolute http(s) URL", entry, u)
		}
		switch {
		case name == "" && def != "":
			return nil, "", fmt.Errorf("two URLs for every client: %s and %s", def, u)
		case name == "":
			def = u
		case perClient[name] != "":
			return nil, "", fmt.Errorf("%s is named twice", name)
		default:
			perClient[name] = u
		}
	}
	return perClient, def, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Request is what the edge learnt of a request's app.
type Request struct {
	Client  Client
	Release Release // the policy for Client.Name
}

type requestKey struct{}

// WithRequest records the request's app in ctx.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request's app; the zero Request when the edge
// recorded none.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
