package server

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinSize is the smallest answer compressed: below it the headers
// and framing outweigh the saving.
const compressMinSize = 1024

// compress compresses answers of compressMinSize bytes or more with gzip or
// zstd, whichever the client accepts (gzip when both are: on the app's
// small JSON answers it packs tighter than zstd at the speed gzhttp runs
// it, and mobile networks care about bytes more than the server about
// microseconds), with
// klauspost/compress's gzhttp: it sets Vary: Accept-Encoding, waits for
// the first 1 KiB before deciding, and leaves alone answers already
// encoded (/metrics). Streams are never compressed: server-sent events
// and multipart/mixed (@defer, subscriptions) pass through as written, each
// flush reaching the client at once; websockets skip it altogether.
// Compressed answers reveal their size, not their content: BREACH needs a
// secret sent automatically with an attacker's request (a cookie), and
// satupintu takes bearer tokens only.
func compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.ExceptContentTypes([]string{"text/event-stream", "multipart/mixed"}),
		gzhttp.PreferZstd(false),
	)
	if err != nil {
		panic(err) // fixed options, valid by construction
	}
	compressed := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		compressed.ServeHTTP(w, r)
	})
}
