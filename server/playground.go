package server

import (
	"embed"
	"io"
	"net/http"
	"path"
	"time"
)

// playgroundFiles is GraphiQL and its boot script, embedded: the
// playground works offline, and loads nothing from a CDN
// (playground/NOTICE.md names each file, its version and licence).
//
//go:embed playground/index.html playground/playground.js playground/playground.css
//go:embed playground/graphiql.min.js playground/graphiql.min.css
//go:embed playground/react.production.min.js playground/react-dom.production.min.js
var playgroundFiles embed.FS

// playgroundCSP lets the page run only its own scripts and talk only to
// this server. GraphiQL sets inline styles and ships its fonts as data URIs.
const playgroundCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// playgroundPage serves the page (GET /playground).
func playgroundPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", playgroundCSP)
		w.Header().Set("Cache-Control", "no-cache")
		servePlaygroundFile(w, r, "index.html")
	})
}

// playgroundAsset serves the page's files (GET /playground/{file}).
func playgroundAsset() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name == "index.html" {
			http.Redirect(w, r, "/playground", http.StatusMovedPermanently)
			return
		}
		// The files change only with the binary.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		servePlaygroundFile(w, r, name)
	})
}

func servePlaygroundFile(w http.ResponseWriter, r *http.Request, name string) {
	f, err := playgroundFiles.Open(path.Join("playground", name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Embedded files have no modification time: ServeContent sets the type
	// from the name and answers ranges.
	http.ServeContent(w, r, name, time.Time{}, f.(io.ReadSeeker))
}
