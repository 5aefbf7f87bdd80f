package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/felixge/httpsnoop"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/apprelease"
	"github.com/satupintu/satupintu/auth"
)

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = "X-Request-Id"

// requestID gives every request an id: the caller's when it is sane (a
// gateway in front may have set it), a new one otherwise.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !saneID(id) {
			id = newID()
		}
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(sp.WithRequestID(r.Context(), id)))
	})
}

func saneID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// accessLog writes one line per request. It logs the path only: a GET
// query string may carry variables, and variables may carry a NIK. The
// bytes are those sent, compressed or not.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := httpsnoop.CaptureMetrics(next, w, r)
		level := slog.LevelInfo
		if m.Code >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("request_id", sp.RequestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", m.Code),
			slog.Int64("bytes", m.Written),
			slog.Float64("duration_ms", float64(m.Duration.Microseconds())/1000),
		}
		// The app, by Apollo's client-awareness headers (sanitized).
		if c := apprelease.ClientOf(r.Header); c.Name != "" || c.Version != "" {
			attrs = append(attrs, slog.String("client", c.Name), slog.String("client_version", c.Version))
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// loggedPath is the path as logged: a data export's link is its
// credential, so its token is not.
func loggedPath(p string) string {
	if strings.HasPrefix(p, "/exports/") {
		return "/exports/{token}"
	}
	return p
}

// recoverPanics turns a panic into a 500 and a log line with the stack.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic serving request", "request_id", sp.RequestIDFrom(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, r, sp.CodeInternal, sp.Text{ID: "Terjadi kesalahan internal.", EN: "Internal error."})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody reads at most max bytes of body up front: a larger body is
// refused with 413 before anything parses it.
func limitBody(max int64, next http.Handler) http.Handler {
	tooLarge := sp.Text{
		ID: fmt.Sprintf("Badan permintaan melebihi batas %d byte.", max),
		EN: fmt.Sprintf("request body is over the limit of %d bytes", max),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, r, sp.CodePayloadTooLarge, tooLarge)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readAll(http.MaxBytesReader(w, r.Body, max), r.ContentLength)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, r, sp.CodePayloadTooLarge, tooLarge)
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				writeError(w, r, sp.CodeInvalidInput, sp.Text{ID: "Badan permintaan tidak diterima tepat waktu.", EN: "request body not received in time"})
				return
			}
			writeError(w, r, sp.CodeInvalidInput, sp.Text{ID: "Badan permintaan tidak dapat dibaca.", EN: "request body could not be read"})
			return
		}
		r.Body = &bodyBytes{Reader: bytes.NewReader(body), b: body}
		next.ServeHTTP(w, r)
	})
}

// bodyBytes is a body limitBody has read: readBody takes its bytes
// rather than copying them again.
type bodyBytes struct {
	*bytes.Reader
	b []byte
}

func (*bodyBytes) Close() error { return nil }

// readBody returns the whole of r's body.
func readBody(r *http.Request) ([]byte, error) {
	if b, ok := r.Body.(*bodyBytes); ok && b.Len() == len(b.b) {
		_, _ = b.Seek(0, io.SeekEnd) // read, as io.ReadAll would leave it
		return b.b, nil
	}
	return readAll(r.Body, r.ContentLength)
}

// readAll is io.ReadAll into a buffer of the size the request declared
// (io.ReadAll starts at 512 bytes and grows by copying).
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > 1<<20 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1) // +1: the read that finds EOF needs room
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) { // longer than declared: let append grow it
			b = append(b, 0)[:len(b)]
		}
	}
}

// bodyDeadline gives a request timeout to send its body, counted from
// when its headers were read. http.Server's ReadTimeout would do it for
// every request, websockets too, which read for hours after the upgrade;
// here a request without a body (a websocket upgrade, a GET) gets none.
// Past the deadline the body's read fails and the connection is closed
// after the answer. Once the body is read to its end net/http lifts the
// deadline itself (it starts its watch for the client going away with
// none), so a handler that then waits on a slow agency, or streams a
// subscription, is not cut off.
func bodyDeadline(timeout time.Duration, next http.Handler) http.Handler {
	if timeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && !isWebsocket(r) {
			// An error means a writer without deadlines (not net/http's).
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
		}
		next.ServeHTTP(w, r)
	})
}

func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// authenticate verifies the access token and puts the citizen in the
// context. A request without one passes without a citizen: the executor
// lets it ask appConfig (and introspection in dev mode) and nothing else
// (edgeGates), so no agency is called for it. A bad token, a malformed
// Authorization header, or a subscription over SSE without a token is
// refused here with 401. Websocket upgrades pass: they authenticate in
// connection_init.
func authenticate(v TokenVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		raw, ok := auth.BearerToken(r.Header)
		if !ok {
			if len(r.Header.Values("Authorization")) == 0 && !isSSE(r) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="satupintu"`)
			writeError(w, r, sp.CodeUnauthenticated, sp.Text{
				ID: "Masuk dulu: kirim token akses sebagai Authorization: Bearer <token>.",
				EN: "Sign in first: send the access token as Authorization: Bearer <token>.",
			})
			return
		}
		p, err := v.Verify(r.Context(), raw)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="satupintu", error="invalid_token"`)
			writeError(w, r, sp.ErrorCodeOf(err), tokenRefused(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// tokenRefused is the verifier's refusal in both languages: its own
// message, precise and in English, and in Indonesian a plain one with the
// English detail after it for the app's developer.
func tokenRefused(err error) sp.Text {
	id := "Token akses tidak diterima; silakan masuk lagi"
	if sp.ErrorCodeOf(err) == sp.CodeUnavailable {
		id = "Layanan masuk tidak dapat dihubungi; coba lagi sebentar lagi"
	}
	return sp.Text{ID: id + " (" + sp.ErrorMessageOf(err) + ").", EN: sp.ErrorMessageOf(err)}
}

// isSSE reports whether r asks for a subscription over server-sent events.
func isSSE(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// writeError answers in the GraphQL error shape, in the media type and
// language the client accepts, so clients parse every failure of /graphql
// the same way.
func writeError(w http.ResponseWriter, r *http.Request, code sp.ErrorCode, msg sp.Text) {
	media, ok := negotiateMedia(r.Header.Values("Accept"))
	if !ok {
		media = mediaJSON
	}
	w.Header().Set("Content-Type", media)
	status, ok := httpLevel[code]
	if !ok {
		status = code.HTTPStatus()
	}
	writeBody(w, status, map[string]any{
		"errors": []map[string]any{{"message": msg.In(sp.LangFrom(r.Context())), "extensions": map[string]any{"code": code}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	writeBody(w, status, v)
}

func writeBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = jsonEncode(w, v)
}
