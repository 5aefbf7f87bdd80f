package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/server"
)

var (
	assetRef    = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	absoluteURL = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	cssURL      = regexp.MustCompile(`(?i)(?:url\(\s*['"]?|@import\s+['"])((?:https?:)?//[^'")\s]+)`)
	cdnHost     = regexp.MustCompile(`(?i)unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|fonts\.googleapis\.com|fonts\.gstatic\.com`)
)

// The playground works offline: the page and every file it references come
// from the server (the binary), and nothing points at another host: the
// page has no absolute URL, the stylesheets load nothing by URL, the
// scripts name no CDN. Its Content-Security-Policy lets the browser load
// only this server's files.
func TestPlaygroundServesEverythingItself(t *testing.T) {
	srv := serve(t, server.Deps{Introspection: true})
	page := send(t, http.MethodGet, srv.URL+"/playground", "", "Accept-Encoding", "identity")
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /playground: HTTP %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	csp := page.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if m := absoluteURL.FindString(string(page.Body)); m != "" {
		t.Errorf("the page references %q", m)
	}
	refs := assetRef.FindAllStringSubmatch(string(page.Body), -1)
	if len(refs) != 6 {
		t.Fatalf("the page references %d files, want 6 (GraphiQL, React, React DOM, the boot script, two stylesheets): %q", len(refs), refs)
	}
	kinds := map[string]int{}
	for _, ref := range refs {
		path := ref[1]
		if !strings.HasPrefix(path, "/playground/") {
			t.Errorf("the page references %q, not a file of its own", path)
			continue
		}
		r := send(t, http.MethodGet, srv.URL+path, "", "Accept-Encoding", "identity")
		ct := r.Header.Get("Content-Type")
		if r.Status != 200 || len(r.Body) == 0 {
			t.Errorf("GET %s: HTTP %d, %d bytes", path, r.Status, len(r.Body))
			continue
		}
		switch {
		case strings.HasPrefix(ct, "text/javascript"):
			kinds["js"]++
			if m := cdnHost.FindString(string(r.Body)); m != "" {
				t.Errorf("%s names %s", path, m)
			}
		case strings.HasPrefix(ct, "text/css"):
			kinds["css"]++
			if m := cssURL.FindStringSubmatch(string(r.Body)); m != nil {
				t.Errorf("%s loads %s", path, m[1])
			}
		default:
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}
	if kinds["js"] != 4 || kinds["css"] != 2 {
		t.Errorf("files by kind: %v", kinds)
	}
	// Big files travel compressed.
	r := send(t, http.MethodGet, srv.URL+"/playground/graphiql.min.js", "", "Accept-Encoding", "gzip")
	if r.Header.Get("Content-Encoding") != "gzip" || len(r.Body) > 400_000 {
		t.Errorf("graphiql.min.js: Content-Encoding %q, %d bytes", r.Header.Get("Content-Encoding"), len(r.Body))
	}
	for path, status := range map[string]int{"/playground/nothing.js": 404, "/playground/NOTICE.md": 404, "/playground/LICENSE.react": 404} {
		if r := send(t, http.MethodGet, srv.URL+path, ""); r.Status != status {
			t.Errorf("GET %s: HTTP %d, want %d", path, r.Status, status)
		}
	}
}

// Without introspection (production) there is no playground.
func TestNoPlaygroundWithoutIntrospection(t *testing.T) {
	srv := serve(t, server.Deps{})
	for _, path := range []string{"/playground", "/playground/graphiql.min.js"} {
		if r := send(t, http.MethodGet, srv.URL+path, ""); r.Status != 404 {
			t.Errorf("GET %s: HTTP %d", path, r.Status)
		}
	}
}
