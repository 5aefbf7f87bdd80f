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
// query string may carry variables, and variables may carry a NIK.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := httpsnoop.CaptureMetrics(next, w, r)
		level := slog.LevelInfo
		if m.Code >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", sp.RequestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", m.Code),
			slog.Int64("bytes", m.Written),
			slog.Float64("duration_ms", float64(m.Duration.Microseconds())/1000),
		)
	})
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
				writeError(w, sp.CodeInternal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// language reads Accept-Language into the context (id unless en is asked).
func language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := sp.WithLang(r.Context(), sp.ParseAcceptLanguage(r.Header.Get("Accept-Language")))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitBody reads at most max bytes of body up front: a larger body is
// refused with 413 before anything parses it.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, sp.CodePayloadTooLarge, fmt.Sprintf("request body is over the limit of %d bytes", max))
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, sp.CodePayloadTooLarge, fmt.Sprintf("request body is over the limit of %d bytes", max))
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				writeError(w, sp.CodeInvalidInput, "request body not received in time")
				return
			}
			writeError(w, sp.CodeInvalidInput, "request body could not be read")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
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

// authenticate requires a valid access token and puts the citizen in the
// context. No agency is called for a request without one. Websocket
// upgrades pass: they authenticate in connection_init.
func authenticate(v TokenVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		raw, ok := auth.BearerToken(r.Header)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="satupintu"`)
			writeError(w, sp.CodeUnauthenticated, "sign in first: send the access token as Authorization: Bearer <token>")
			return
		}
		p, err := v.Verify(r.Context(), raw)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="satupintu", error="invalid_token"`)
			writeError(w, sp.ErrorCodeOf(err), sp.ErrorMessageOf(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// writeError answers in the GraphQL error shape, so clients parse every
// failure of /graphql the same way.
func writeError(w http.ResponseWriter, code sp.ErrorCode, message string) {
	writeJSON(w, code.HTTPStatus(), map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = jsonEncode(w, v)
}
