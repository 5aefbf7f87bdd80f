package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"

	sp "github.com/satupintu/satupintu"
)

// wsBufferSize is each websocket's read and write buffer. graphql-transport-ws
// messages are small; a larger one costs a few more syscalls, not an error.
const wsBufferSize = 1 << 10

// lightWebsockets serves websocket upgrades so that an idle socket holds
// little: most of a server's websockets are subscribers waiting for hours.
// The socket runs on a goroutine of its own, started shallow, instead of at
// the bottom of the HTTP connection's goroutine, whose stack the middleware
// and the handshake have grown; the HTTP handler returns once the
// connection is hijacked, and net/http's response, connection and 8 KiB of
// buffers are let go. The hijacked connection gets 1 KiB buffers instead.
// Together: 600 to 517 MB for 10,000 idle subscribers (loadgen -scenario
// subscriptions, medians of 3). Other requests pass through untouched.
func lightWebsockets(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWebsocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		hw := &hijackWatch{ResponseWriter: w, hijacked: make(chan struct{})}
		// The request's context ends when this handler returns, which is
		// now at the upgrade: the socket's life is the socket's own.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		panicked := make(chan any, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if !hw.wasHijacked() {
					panicked <- v // answered by recoverPanics, as any request's
					return
				}
				log.ErrorContext(r.Context(), "panic serving a websocket", "request_id", sp.RequestIDFrom(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				hw.conn.Close()
			}()
			next.ServeHTTP(hw, r)
		}()
		select {
		case <-hw.hijacked:
		case <-done:
			select {
			case v := <-panicked:
				panic(v)
			default:
			}
		}
	})
}

// hijackWatch tells when the connection is hijacked, and hands the
// websocket library small buffers.
type hijackWatch struct {
	http.ResponseWriter
	hijacked chan struct{}
	once     sync.Once
	conn     net.Conn
}

func (h *hijackWatch) Unwrap() http.ResponseWriter { return h.ResponseWriter }

func (h *hijackWatch) wasHijacked() bool {
	select {
	case <-h.hijacked:
		return true
	default:
		return false
	}
}

func (h *hijackWatch) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the client sent right after the upgrade may already be in
	// net/http's reader. They must be in the new reader's buffer, not only
	// behind it: the websocket library takes what is buffered and resets
	// the reader onto the connection. net/http's writer has been flushed.
	n := brw.Reader.Buffered()
	buffered, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), c), max(wsBufferSize, n))
	if _, err := br.Peek(n); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("websocket: keeping the bytes read before the upgrade: %w", err)
	}
	brw = bufio.NewReadWriter(br, bufio.NewWriterSize(c, wsBufferSize))
	h.conn = c
	// Let go of net/http's response: through it its connection and 8 KiB
	// of buffers would live as long as the socket.
	// (The library still reads the negotiated headers after the hijack.)
	h.ResponseWriter = hijackedWriter{header: h.ResponseWriter.Header().Clone()}
	h.once.Do(func() { close(h.hijacked) })
	return c, brw, nil
}

// hijackedWriter stands in for a response after its connection was
// hijacked, as net/http's own does: nothing can be written any more.
type hijackedWriter struct{ header http.Header }

func (w hijackedWriter) Header() http.Header     { return w.header }
func (hijackedWriter) Write([]byte) (int, error) { return 0, http.ErrHijacked }
func (hijackedWriter) WriteHeader(int)           {}
