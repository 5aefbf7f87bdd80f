package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
)

// wsTransport serves graphql-transport-ws with one goroutine per
// connection while it waits, where gqlgen's transport keeps three or four
// (a reader, a pinger, a closer, and one per operation). Most of a
// server's websockets are subscribers idle for hours, so each goroutine
// and its stack is most of what a socket costs.
//
// How one goroutine waits for two things (the client's next message and
// the subscription's next event):
//   - It waits for the event inside gqlgen's response handler, as gqlgen's
//     per-operation goroutine does, but with a context of its own for each
//     wait (the handler returns nil when that context ends, and the next
//     call resumes the same stream).
//   - The socket is registered with one epoll instance for the process
//     (wsPoller, one goroutine in all). When it becomes readable, the poller
//     ends the wait's context; the goroutine reads every message the
//     socket holds, with reads that do not wait between messages
//     (wsNetConn), and waits again.
//   - Pings are a timer (time.AfterFunc: no goroutine while it waits) that
//     writes the ping, and closes a socket whose pongs stopped; the token's
//     expiry is the connection context's deadline.
//
// Queries, mutations and a second subscription on the same socket run on
// goroutines of their own, as in gqlgen. Clients speaking the legacy
// graphql-ws protocol, TLS served by this process, and systems without
// epoll are served by gqlgen's transport (legacy).
type wsTransport struct {
	legacy      graphql.Transport
	auth        func(ctx context.Context, p transport.InitPayload) (context.Context, *wsRefusal)
	accept      websocket.AcceptOptions
	initTimeout time.Duration
	ping        time.Duration // 0: no server pings
	readLimit   int64
	log         *slog.Logger
}

// newWebsocketTransport is the websocket transport with the edge's
// settings; gqlgen's serves what it does not (legacy).
func newWebsocketTransport(d Deps, rl *rateLimiter) wsTransport {
	readLimit := d.Limits.MaxBodyBytes
	accept := websocket.AcceptOptions{
		// Apps send no Origin; browsers must come from the same host
		// or from an origin configured here.
		// The CORS origins may open one too.
		OriginPatterns: append(slices.Clone(d.WebsocketOrigins), d.CORS.Origins...),
	}
	return wsTransport{
		legacy: transport.Websocket{
			InitFunc:              websocketInit(d.Verifier, rl),
			InitTimeout:           wsInitTimeout,
			PingPongInterval:      d.WebsocketPing, // graphql-transport-ws ping/pong; half-open sockets die
			KeepAlivePingInterval: d.WebsocketPing, // the legacy graphql-ws protocol
			PayloadReadLimit:      &readLimit,
			Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: accept},
		},
		auth:        websocketAuth(d.Verifier, rl),
		accept:      accept,
		initTimeout: wsInitTimeout,
		ping:        d.WebsocketPing,
		readLimit:   readLimit,
		log:         d.Logger,
	}
}

// wsInitTimeout is how long a socket may take to send connection_init.
const wsInitTimeout = 10 * time.Second

// websocketAuth authenticates a websocket at connection_init, from
// {"Authorization":"Bearer <token>"}, and counts the connection once
// against the citizen's rate limit. The connection's context ends when
// the token expires: the socket is then closed, with a reason to sign in.
func websocketAuth(v TokenVerifier, rl *rateLimiter) func(context.Context, transport.InitPayload) (context.Context, *wsRefusal) {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *wsRefusal) {
		raw, ok := auth.BearerToken(http.Header{"Authorization": {p.Authorization()}})
		if !ok {
			return ctx, &wsRefusal{code: 4401, reason: `sign in first: send {"Authorization":"Bearer <token>"} in connection_init`}
		}
		pr, err := v.Verify(ctx, raw)
		if err != nil {
			return ctx, &wsRefusal{code: 4403, reason: sp.ErrorMessageOf(err)}
		}
		if d := rl.citizen(ctx, pr); !d.Allowed {
			// 4429: graphql-transport-ws's "too many initialisation requests".
			return ctx, &wsRefusal{code: 4429, reason: fmt.Sprintf("too many requests; try again in %d s", retryAfterSeconds(d.RetryAfter))}
		}
		ctx = auth.WithPrincipal(ctx, pr)
		ctx, cancel := context.WithDeadline(ctx, pr.ExpiresAt)
		context.AfterFunc(ctx, cancel)
		return ctx, nil
	}
}

// websocketInit is websocketAuth for gqlgen's transport.
func websocketInit(v TokenVerifier, rl *rateLimiter) transport.WebsocketInitFunc {
	authenticate := websocketAuth(v, rl)
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, refused := authenticate(ctx, p)
		if refused != nil {
			ctx = transport.WithWebsocketCloseCode(ctx, int(refused.code))
			if refused.code == 4429 {
				ctx = transport.AppendCloseReason(ctx, refused.reason)
			}
			return ctx, nil, errors.New(refused.reason)
		}
		return transport.AppendCloseReason(ctx, "token expired: sign in again"), nil, nil
	}
}

// wsRefusal is why a connection_init is refused, as a close code (4401,
// 4403, 4429) and reason.
type wsRefusal struct {
	code   websocket.StatusCode
	reason string
}

const subprotocolTransportWS = "graphql-transport-ws"

var _ graphql.Transport = wsTransport{}

func (wsTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

func (t wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	hw, ok := w.(*hijackWatch)
	if !ok || r.TLS != nil || !offers(r, subprotocolTransportWS) || pollerOnce() == nil {
		t.legacy.Do(w, r, exec)
		return
	}
	c := &wsConn{t: t, exec: exec, headers: r.Header}
	opts := t.accept
	opts.Subprotocols = []string{subprotocolTransportWS}
	// The library reads ping and pong frames within a read for a message;
	// after each, the next frame may not have come yet.
	opts.OnPingReceived = func(context.Context, []byte) bool { c.betweenFrames(); return true }
	opts.OnPongReceived = func(context.Context, []byte) { c.betweenFrames() }
	ws, err := websocket.Accept(w, r, &opts)
	if err != nil {
		return // Accept has answered
	}
	c.ws, c.nc, c.br = ws, hw.conn, hw.br
	ws.SetReadLimit(t.readLimit)
	c.serve(r.Context())
}

// offers reports whether the client offers subprotocol.
func offers(r *http.Request, subprotocol string) bool {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(h, ",") {
			if strings.TrimSpace(p) == subprotocol {
				return true
			}
		}
	}
	return false
}

// wsConn is one graphql-transport-ws connection.
type wsConn struct {
	t       wsTransport
	exec    graphql.GraphExecutor
	headers http.Header
	ws      *websocket.Conn
	nc      *wsNetConn
	br      *bufio.Reader

	ctx    context.Context // after connection_init: the principal, ending with the token
	cancel context.CancelFunc
	pollID uint64
	ping   *time.Timer
	// lastPong is when the client last answered (Unix ns).
	lastPong atomic.Int64
	draining bool // reading messages (betweenFrames applies)

	mu       sync.Mutex
	ops      map[string]*wsOperation
	wakeWait context.CancelFunc // ends the current wait; nil when not waiting
	woken    bool               // a wake came while not waiting
	armed    bool               // the poller will wake this connection
	// close is the close code and reason once decided; 0 until then.
	closeCode   websocket.StatusCode
	closeReason string

	adopted *wsOperation // the subscription this goroutine serves
}

// wsOperation is a running operation.
type wsOperation struct {
	id        string
	oc        *graphql.OperationContext
	ctx       context.Context
	cancel    context.CancelFunc
	responses graphql.ResponseHandler
	completed atomic.Bool // by the client: no complete back
}

// wsMessage is every graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (c *wsConn) serve(base context.Context) {
	c.ctx, c.cancel = context.WithCancel(base)
	defer c.cancel()
	if !c.init() {
		return
	}
	p := pollerOnce()
	id, err := p.add(c.nc.raw, c.readable)
	if err != nil {
		c.t.log.ErrorContext(c.ctx, "websocket poller", "request_id", sp.RequestIDFrom(c.ctx), "error", err.Error())
		c.finish(websocket.StatusInternalError, "internal error")
		return
	}
	c.pollID = id
	defer p.remove(c.nc.raw, id)
	// Whatever ends the connection's context wakes the wait.
	stop := context.AfterFunc(c.ctx, c.wake)
	defer stop()
	if c.t.ping > 0 {
		c.lastPong.Store(time.Now().UnixNano())
		c.ping = time.AfterFunc(c.t.ping, c.pingTick)
		defer c.ping.Stop()
	}
	c.finish(c.loop())
}

// init reads connection_init, within the init timeout, and signs the
// connection in. Like gqlgen's: anything else first, or a message that
// does not decode, is closed with 1002.
func (c *wsConn) init() bool {
	c.nc.waiting(c.t.initTimeout)
	_, b, err := c.ws.Read(context.Background())
	if err != nil {
		if isTimeout(err) {
			c.finish(websocket.StatusProtocolError, "connection initialisation timeout")
		} else {
			c.finish(0, "")
		}
		return false
	}
	var m wsMessage
	if json.Unmarshal(b, &m) != nil {
		c.finish(websocket.StatusProtocolError, "decoding error")
		return false
	}
	if m.Type != "connection_init" {
		c.finish(websocket.StatusProtocolError, "unexpected message")
		return false
	}
	var payload transport.InitPayload
	if len(m.Payload) > 0 && string(m.Payload) != "null" {
		if json.Unmarshal(m.Payload, &payload) != nil {
			c.finish(websocket.StatusProtocolError, "decoding error")
			return false
		}
	}
	ctx, refused := c.t.auth(c.ctx, payload)
	if refused != nil {
		c.finish(refused.code, refused.reason)
		return false
	}
	c.ctx = ctx
	return c.send(wsMessage{Type: "connection_ack"}) == nil
}

// loop reads what the client sent and waits, until the connection ends.
// It returns the close code and reason (0: the client is gone).
func (c *wsConn) loop() (websocket.StatusCode, string) {
	for {
		if err := c.drain(); err != nil {
			// A protocol error is closed with its code; a client that
			// closed, or sent too much, has had its answer from the
			// library; a broken read needs none.
			return c.decided()
		}
		if code, reason := c.decided(); code != 0 {
			return code, reason
		}
		if c.ctx.Err() != nil {
			if errors.Is(context.Cause(c.ctx), context.DeadlineExceeded) {
				// The token expired (websocketAuth): 1000, as gqlgen's
				// transport closes, with the reason.
				return websocket.StatusNormalClosure, "token expired: sign in again"
			}
			return 0, ""
		}
		c.wait()
	}
}

// drain handles every message the socket holds, without waiting for more.
func (c *wsConn) drain() error {
	c.draining = true
	defer func() { c.draining = false }()
	for {
		c.nc.between(c.br)
		_, r, err := c.ws.Reader(context.Background())
		if errors.Is(err, errWouldBlock) {
			return nil
		}
		if err != nil {
			return err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if !c.handle(b) {
			return errors.New("websocket: closing")
		}
	}
}

// betweenFrames is called by the library after a ping or pong frame.
func (c *wsConn) betweenFrames() {
	if c.draining {
		c.nc.between(c.br)
	}
}

// handle handles one message; false closes the connection (the code is
// decided).
func (c *wsConn) handle(b []byte) bool {
	var m wsMessage
	if json.Unmarshal(b, &m) != nil {
		return c.decide(websocket.StatusProtocolError, "decoding error")
	}
	switch m.Type {
	case "subscribe":
		return c.start(m.ID, m.Payload)
	case "complete":
		c.mu.Lock()
		op := c.ops[m.ID]
		c.mu.Unlock()
		if op != nil {
			op.completed.Store(true)
			op.cancel()
		}
	case "ping":
		_ = c.send(wsMessage{Type: "pong", Payload: m.Payload})
	case "pong":
		c.lastPong.Store(time.Now().UnixNano())
	default: // a second connection_init among them
		return c.decide(websocket.StatusProtocolError, "unexpected message")
	}
	return true
}

// start begins an operation, as gqlgen's transport does: a request that
// does not parse or validate is answered with error (or next, with the
// errors) and complete.
func (c *wsConn) start(id string, payload json.RawMessage) bool {
	if id == "" {
		return c.decide(websocket.StatusProtocolError, "decoding error")
	}
	c.mu.Lock()
	_, dup := c.ops[id]
	c.mu.Unlock()
	if dup {
		return c.decide(4409, "Subscriber for "+truncate(id, 100)+" already exists")
	}
	start := graphql.Now()
	ctx := graphql.StartOperationTrace(c.ctx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		c.sendErrors(id, &gqlerror.Error{Message: "invalid json"})
		_ = c.send(wsMessage{ID: id, Type: "complete"})
		return true
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = c.headers
	oc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			c.sendErrors(id, resp.Errors...)
		} else {
			c.sendNext(id, &graphql.Response{Errors: errs})
		}
		_ = c.send(wsMessage{ID: id, Type: "complete"})
		return true
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, oc))
	op := &wsOperation{id: id, oc: oc, cancel: cancel}
	c.mu.Lock()
	if c.ops == nil {
		c.ops = map[string]*wsOperation{}
	}
	c.ops[id] = op
	c.mu.Unlock()
	if !c.protect(op, func() { op.responses, op.ctx = c.exec.DispatchOperation(ctx, oc) }) {
		c.end(op)
		return true
	}
	if c.adopted == nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		c.adopted = op // served by this goroutine's wait
		return true
	}
	go c.run(op)
	return true
}

// run serves an operation on a goroutine of its own.
func (c *wsConn) run(op *wsOperation) {
	for {
		var resp *graphql.Response
		if !c.protect(op, func() { resp = op.responses(op.ctx) }) || resp == nil {
			break
		}
		c.sendNext(op.id, resp)
	}
	c.end(op)
}

// end forgets an operation, and says complete unless the client did or
// the connection is ending.
func (c *wsConn) end(op *wsOperation) {
	c.mu.Lock()
	delete(c.ops, op.id)
	c.mu.Unlock()
	op.cancel()
	if !op.completed.Load() && c.ctx.Err() == nil {
		_ = c.send(wsMessage{ID: op.id, Type: "complete"})
	}
}

// protect runs f, answering a panic in it as gqlgen does: an error
// message for the operation. It reports whether f returned.
func (c *wsConn) protect(op *wsOperation, f func()) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			c.t.log.ErrorContext(c.ctx, "panic in a websocket operation", "request_id", sp.RequestIDFrom(c.ctx),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err := op.oc.Recover(c.ctx, v)
			var gerr *gqlerror.Error
			if !errors.As(err, &gerr) {
				gerr = &gqlerror.Error{Message: "internal error"}
			}
			c.sendErrors(op.id, gerr)
			op.completed.Store(true) // error ends it
			ok = false
		}
	}()
	f()
	return true
}

// wait waits for the adopted subscription's next event, the socket to
// become readable, or the connection to end, whichever comes first.
func (c *wsConn) wait() {
	base := c.ctx
	if c.adopted != nil {
		base = c.adopted.ctx
	}
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	c.mu.Lock()
	if c.woken {
		c.woken = false
		c.mu.Unlock()
		return
	}
	c.wakeWait = cancel
	// Between two events the poller stays armed: no system call per event.
	arm := !c.armed
	c.armed = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.wakeWait = nil
		c.mu.Unlock()
	}()
	if arm {
		if err := pollerOnce().arm(c.nc.raw, c.pollID); err != nil {
			c.decide(websocket.StatusInternalError, "internal error")
			return
		}
	}
	op := c.adopted
	if op == nil {
		<-ctx.Done()
		return
	}
	var resp *graphql.Response
	if !c.protect(op, func() { resp = op.responses(ctx) }) {
		c.adopted = nil
		c.end(op)
		return
	}
	switch {
	case resp != nil:
		c.sendNext(op.id, resp)
	case op.ctx.Err() == nil && ctx.Err() != nil:
		// Woken: the socket, or the connection ending (seen next).
	default:
		c.adopted = nil
		c.end(op)
	}
}

// readable is the poller's wake: the socket has something to read (or
// was closed), and the poller is disarmed until the next wait.
func (c *wsConn) readable() {
	c.mu.Lock()
	c.armed = false
	c.wakeLocked()
	c.mu.Unlock()
}

// wake ends the current wait, or the next one at once. It never blocks.
func (c *wsConn) wake() {
	c.mu.Lock()
	c.wakeLocked()
	c.mu.Unlock()
}

func (c *wsConn) wakeLocked() {
	if c.wakeWait != nil {
		c.wakeWait()
		c.wakeWait = nil
	} else {
		c.woken = true
	}
}

// pingTick pings the client, or ends a connection whose pongs stopped two
// intervals ago, as gqlgen's read deadline does (no close frame: the peer
// is likely gone).
func (c *wsConn) pingTick() {
	if c.ctx.Err() != nil {
		return
	}
	if time.Since(time.Unix(0, c.lastPong.Load())) >= 2*c.t.ping {
		_ = c.ws.CloseNow()
		c.cancel()
		return
	}
	_ = c.send(wsMessage{Type: "ping"})
	c.ping.Reset(c.t.ping)
}

// decide sets the close code and reason, once; it returns false, to be
// returned by what found the reason to close.
func (c *wsConn) decide(code websocket.StatusCode, reason string) bool {
	c.mu.Lock()
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
	c.mu.Unlock()
	return false
}

func (c *wsConn) decided() (websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode, c.closeReason
}

// finish closes the connection: with code and reason (the close
// handshake), or at once when code is 0.
func (c *wsConn) finish(code websocket.StatusCode, reason string) {
	c.cancel()
	if code == 0 {
		_ = c.ws.CloseNow()
		return
	}
	c.nc.waiting(time.Second) // for the client's close frame
	_ = c.ws.Close(code, truncate(reason, 123))
}

func (c *wsConn) send(m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Errorf("marshalling a websocket message: %w", err))
	}
	return c.ws.Write(context.Background(), websocket.MessageText, b)
}

func (c *wsConn) sendNext(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Errorf("marshalling a GraphQL response: %w", err))
	}
	_ = c.send(wsMessage{ID: id, Type: "next", Payload: b})
}

func (c *wsConn) sendErrors(id string, errs ...*gqlerror.Error) {
	b, err := json.Marshal(errs)
	if err != nil {
		panic(fmt.Errorf("marshalling GraphQL errors: %w", err))
	}
	_ = c.send(wsMessage{ID: id, Type: "error", Payload: b})
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// truncate cuts s to at most n bytes, at a character boundary (a close
// reason is at most 123 bytes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
