package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	sp "github.com/satupintu/satupintu"
)

// wsBufferSize is each websocket's write buffer. graphql-transport-ws
// messages are small; a larger one costs a few more syscalls, not an error.
// Reads are buffered by the connection, in buffers lent while a read is
// under way (wsNetConn): an idle socket holds none.
const wsBufferSize = 1 << 10

// wsReadBufferSize is a read buffer lent to a websocket.
const wsReadBufferSize = 2 << 10

var wsReadBuffers = sync.Pool{New: func() any { b := make([]byte, wsReadBufferSize); return &b }}

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
// websocket library small buffers over a connection whose reads can be
// told not to wait (see wsNetConn).
type hijackWatch struct {
	http.ResponseWriter
	hijacked chan struct{}
	once     sync.Once
	conn     *wsNetConn
	br       *bufio.Reader
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
	// net/http's reader. The connection serves them first, so that the
	// new reader starts empty: the websocket library takes what is
	// buffered and resets the reader onto the connection, and the
	// transport must know whether a message has begun (wsNetConn).
	// net/http's writer has been flushed.
	n := brw.Reader.Buffered()
	buffered, _ := brw.Reader.Peek(n)
	h.conn = newWSNetConn(c, bytes.Clone(buffered))
	h.br = bufio.NewReaderSize(h.conn, 16) // the least bufio allows: h.conn buffers
	brw = bufio.NewReadWriter(h.br, bufio.NewWriterSize(h.conn, wsBufferSize))
	// Let go of net/http's response: through it its connection and 8 KiB
	// of buffers would live as long as the socket.
	// (The library still reads the negotiated headers after the hijack.)
	h.ResponseWriter = hijackedWriter{header: h.ResponseWriter.Header().Clone()}
	h.once.Do(func() { close(h.hijacked) })
	return h.conn, brw, nil
}

// hijackedWriter stands in for a response after its connection was
// hijacked, as net/http's own does: nothing can be written any more.
type hijackedWriter struct{ header http.Header }

func (w hijackedWriter) Header() http.Header     { return w.header }
func (hijackedWriter) Write([]byte) (int, error) { return 0, http.ErrHijacked }
func (hijackedWriter) WriteHeader(int)           {}

// errWouldBlock is a read that found nothing to read and did not wait.
var errWouldBlock = errors.New("websocket: nothing to read yet")

// wsNetConn is a hijacked websocket connection. Its reads wait, as any
// connection's, except when the transport says it is between messages
// (nowait): then a read takes what the socket holds and returns
// errWouldBlock rather than wait for more, so that the connection's one
// goroutine can go back to waiting for its subscription's events (see
// wsTransport). Once a message has begun, reads wait again, for at most
// wsMessageTimeout.
//
// It reads ahead into a buffer from wsReadBuffers, given back as soon as
// it is read out: the bufio.Reader above it is the smallest there is.
type wsNetConn struct {
	net.Conn
	raw syscall.RawConn
	// The reading goroutine's: what was read and not yet taken
	// (buf[r:w]; buf is pooled unless it holds bytes net/http read before
	// the hijack), and how the next read behaves.
	buf      *[]byte
	pooled   bool
	r, w     int
	nowait   bool
	deadline bool
}

// wsMessageTimeout bounds how long a client may take to finish sending a
// message it has begun.
const wsMessageTimeout = 10 * time.Second

func newWSNetConn(c net.Conn, pending []byte) *wsNetConn {
	w := &wsNetConn{Conn: c}
	if len(pending) > 0 {
		w.buf, w.w = &pending, len(pending)
	}
	if sc, ok := c.(syscall.Conn); ok {
		w.raw, _ = sc.SyscallConn()
	}
	return w
}

func (c *wsNetConn) Read(p []byte) (int, error) {
	if c.buf == nil {
		b := wsReadBuffers.Get().(*[]byte)
		var n int
		var err error
		if c.nowait {
			if n, err = readNow(c.raw, *b); n > 0 {
				// A message has begun: its rest may wait, but not for
				// ever.
				c.nowait = false
				c.setDeadline()
			}
		} else {
			n, err = c.Conn.Read(*b)
		}
		if n <= 0 {
			wsReadBuffers.Put(b)
			return 0, err
		}
		c.buf, c.pooled, c.r, c.w = b, true, 0, n
	}
	n := copy(p, (*c.buf)[c.r:c.w])
	if c.r += n; c.r == c.w {
		if c.pooled {
			wsReadBuffers.Put(c.buf)
		}
		c.buf = nil
	}
	return n, nil
}

// between is called between two messages: if nothing of the next is
// buffered in br, reads stop waiting. Otherwise the next message has
// begun, and its rest is waited for.
func (c *wsNetConn) between(br *bufio.Reader) {
	if br.Buffered() == 0 && c.buf == nil {
		c.nowait = true
		if c.deadline {
			c.deadline = false
			_ = c.Conn.SetReadDeadline(time.Time{})
		}
		return
	}
	c.nowait = false
	c.setDeadline()
}

// ready is between that also reports whether a message has begun: it
// reads what the socket holds, without waiting. Checking here spares the
// websocket library a read that would fail (and the errors it would wrap).
func (c *wsNetConn) ready(br *bufio.Reader) bool {
	c.between(br)
	if !c.nowait {
		return true
	}
	b := wsReadBuffers.Get().(*[]byte)
	n, err := readNow(c.raw, *b)
	if n <= 0 {
		wsReadBuffers.Put(b)
		if errors.Is(err, errWouldBlock) {
			return false
		}
		return true // the library reads the error again, and says it
	}
	c.buf, c.pooled, c.r, c.w = b, true, 0, n
	c.nowait = false
	c.setDeadline()
	return true
}

// waiting makes reads wait again, for at most d.
func (c *wsNetConn) waiting(d time.Duration) {
	c.nowait = false
	c.deadline = true
	_ = c.Conn.SetReadDeadline(time.Now().Add(d))
}

func (c *wsNetConn) setDeadline() {
	c.deadline = true
	_ = c.Conn.SetReadDeadline(time.Now().Add(wsMessageTimeout))
}
