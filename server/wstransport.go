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
	"reflect"
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
	"github.com/satupintu/satupintu/cases"
)

// wsTransport serves graphql-transport-ws with one goroutine per
// connection while it waits, where gqlgen's transport keeps three or four
// (a reader, a pinger, a closer, and one per operation). Most of a
// server's websockets are subscribers idle for hours, so each goroutine
// and its stack is most of what a socket costs.
//
// How one goroutine waits for two things, the client's next message and
// the subscription's next event:
//   - The subscription's channel is taken from gqlgen as the resolver
//     returns it (the operation's field middleware hands gqlgen a channel
//     of the same type, fed one value at a time), and the goroutine waits
//     on it in a select (reflect.Select for a type it does not know),
//     outside gqlgen's response handler: a shallow stack, and nothing of a
//     response held while it waits.
//   - The socket is registered with one epoll instance for the process
//     (wsPoller, one goroutine in all). When it becomes readable, the poller
//     wakes the connection through a channel of its own; the goroutine
//     reads every message the socket holds, with reads that do not wait
//     between messages (wsNetConn), and waits again.
//   - Pings are a timer (time.AfterFunc: no goroutine while it waits) that
//     writes the ping, and drops a socket whose pongs stopped; the token's
//     expiry is the connection context's deadline.
//   - After handling anything, the connection goes on waiting on a new
//     goroutine: the one that worked may have grown its stack (reading,
//     marshalling, the resolver), and Go shrinks an idle stack only at a
//     GC, and by halves.
//
// Queries, mutations and a second subscription on the same socket run on
// goroutines of their own, as in gqlgen. Clients speaking the legacy
// graphql-ws protocol, TLS served by this process, and systems without
// epoll are served by gqlgen's transport (legacy).
type wsTransport struct {
	legacy      graphql.Transport
	auth        func(ctx context.Context, p transport.InitPayload) (context.Context, context.CancelFunc, *wsRefusal)
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
func websocketAuth(v TokenVerifier, rl *rateLimiter) func(context.Context, transport.InitPayload) (context.Context, context.CancelFunc, *wsRefusal) {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, context.CancelFunc, *wsRefusal) {
		raw, ok := auth.BearerToken(http.Header{"Authorization": {p.Authorization()}})
		if !ok {
			return ctx, nil, &wsRefusal{code: 4401, reason: `sign in first: send {"Authorization":"Bearer <token>"} in connection_init`}
		}
		pr, err := v.Verify(ctx, raw)
		if err != nil {
			return ctx, nil, &wsRefusal{code: 4403, reason: sp.ErrorMessageOf(err)}
		}
		if d := rl.citizen(ctx, pr); !d.Allowed {
			// 4429: graphql-transport-ws's "too many initialisation requests".
			return ctx, nil, &wsRefusal{code: 4429, reason: fmt.Sprintf("too many requests; try again in %d s", retryAfterSeconds(d.RetryAfter))}
		}
		ctx, cancel := context.WithDeadline(auth.WithPrincipal(ctx, pr), pr.ExpiresAt)
		return ctx, cancel, nil
	}
}

// websocketInit is websocketAuth for gqlgen's transport.
func websocketInit(v TokenVerifier, rl *rateLimiter) transport.WebsocketInitFunc {
	authenticate := websocketAuth(v, rl)
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, cancel, refused := authenticate(ctx, p)
		if refused != nil {
			ctx = transport.WithWebsocketCloseCode(ctx, int(refused.code))
			if refused.code == 4429 {
				ctx = transport.AppendCloseReason(ctx, refused.reason)
			}
			return ctx, nil, errors.New(refused.reason)
		}
		// gqlgen's transport ends with the connection's context; the
		// deadline's timer goes with it.
		context.AfterFunc(ctx, cancel)
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
	c := &wsConn{t: t, exec: exec, ctx: r.Context(), wakeCh: make(chan struct{}, 1)}
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
	if !c.init() {
		return
	}
	// The request, its writer and this goroutine's stack are let go.
	c.work()
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
	t    wsTransport
	exec graphql.GraphExecutor
	ws   *websocket.Conn
	nc   *wsNetConn
	br   *bufio.Reader

	// ctx is the request's until connection_init, then has the principal
	// and ends with the token (cause DeadlineExceeded) or cancel (the
	// pongs stopped, the connection ends).
	ctx      context.Context
	cancel   context.CancelFunc
	pollID   uint64
	ping     *time.Timer
	lastPong atomic.Int64 // when the client last answered (Unix ns)
	wakeCh   chan struct{}
	armed    atomic.Bool // the poller will wake this connection
	draining bool        // reading messages (betweenFrames applies)
	adopted  *wsOperation

	mu  sync.Mutex
	ops map[string]*wsOperation
	// closeCode and closeReason, once decided (0 until then).
	closeCode   websocket.StatusCode
	closeReason string
}

// wsOperation is a running operation.
type wsOperation struct {
	id        string
	oc        *graphql.OperationContext
	ctx       context.Context
	cancel    context.CancelFunc
	responses graphql.ResponseHandler
	completed atomic.Bool // by the client: no complete back
	// stream is the adopted subscription's channel, taken from gqlgen.
	stream wsStream
}

// wsMessage is every graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// init reads connection_init, within the init timeout, signs the
// connection in and registers it with the poller. As gqlgen's: anything
// else first, or a message that does not decode, is closed with 1002.
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
	ctx, cancel, refused := c.t.auth(c.ctx, payload)
	if refused != nil {
		c.finish(refused.code, refused.reason)
		return false
	}
	c.ctx, c.cancel = ctx, cancel
	id, err := pollerOnce().add(c.nc.raw, c.readable)
	if err != nil {
		c.t.log.ErrorContext(c.ctx, "websocket poller", "request_id", sp.RequestIDFrom(c.ctx), "error", err.Error())
		c.finish(websocket.StatusInternalError, "internal error")
		return false
	}
	c.pollID = id
	c.armed.Store(true) // registered armed
	if c.send(wsMessage{Type: "connection_ack"}) != nil {
		c.finish(0, "")
		return false
	}
	if c.t.ping > 0 {
		c.lastPong.Store(time.Now().UnixNano())
		c.mu.Lock() // pingTick may run before the assignment is seen
		c.ping = time.AfterFunc(c.t.ping, c.pingTick)
		c.mu.Unlock()
	}
	return true
}

// park waits on a new goroutine (then works, and parks again on another).
// A goroutine that only starts and waits has the smallest of stacks, and
// keeps it: one that read, resolved or marshalled would keep what that
// grew, as Go shrinks an idle stack only at a GC, and by halves. (The
// smallest stack, 2 KiB, leaves about 1.1 KiB to use: the waiting frames
// are kept few and lean.)
func (c *wsConn) park() { go c.waitThenWork() }

func (c *wsConn) waitThenWork() { c.afterWait(c.wait()) }

func (c *wsConn) afterWait(news bool) {
	defer func() {
		if v := recover(); v != nil {
			c.t.log.ErrorContext(c.ctx, "panic serving a websocket", "request_id", sp.RequestIDFrom(c.ctx),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			c.finish(websocket.StatusInternalError, "internal error")
		}
	}()
	if news {
		c.deliver(c.adopted)
	}
	c.work()
}

// work handles what the client sent, ends the connection or parks it.
func (c *wsConn) work() {
	// Still armed, the poller has not seen a byte since the last drain,
	// which read all there was: after an event, no read to try. (After
	// connection_init, what came with it may be buffered.)
	if c.armed.Load() && len(c.wakeCh) == 0 && c.br.Buffered() == 0 && c.nc.buf == nil {
		if c.ctx.Err() == nil {
			c.park()
			return
		}
	} else if _, err := c.drain(); err != nil {
		// A protocol error is closed with its code; a client that closed,
		// or sent too much, has had its answer from the library; a broken
		// read needs none.
		c.finish(c.decided())
		return
	}
	if code, reason := c.decided(); code != 0 {
		c.finish(code, reason)
		return
	}
	if c.ctx.Err() != nil {
		if errors.Is(context.Cause(c.ctx), context.DeadlineExceeded) {
			// The token expired (websocketAuth): 1000, as gqlgen's
			// transport closes, with the reason.
			c.finish(websocket.StatusNormalClosure, "token expired: sign in again")
		} else {
			c.finish(0, "")
		}
		return
	}
	// The poller stays armed from one wait to the next until it fires: no
	// system call per event.
	if !c.armed.Swap(true) {
		if err := pollerOnce().arm(c.nc.raw, c.pollID); err != nil {
			c.finish(websocket.StatusInternalError, "internal error")
			return
		}
	}
	c.park()
}

// drain handles every message the socket holds, without waiting for more.
// It reports whether there was any.
func (c *wsConn) drain() (handled bool, err error) {
	c.draining = true
	defer func() { c.draining = false }()
	for {
		if !c.nc.ready(c.br) {
			return handled, nil
		}
		_, r, err := c.ws.Reader(context.Background())
		if errors.Is(err, errWouldBlock) {
			return handled, nil // after a ping or pong frame
		}
		if err != nil {
			return handled, err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return handled, err
		}
		handled = true
		if !c.handle(b) {
			return handled, errors.New("websocket: closing")
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
		// The id is free again at once; the operation ends as its context
		// does (a query's goroutine, the broker's subscription).
		c.mu.Lock()
		op := c.ops[m.ID]
		delete(c.ops, m.ID)
		c.mu.Unlock()
		if op != nil {
			op.completed.Store(true)
			op.cancel()
			if op == c.adopted {
				c.adopted = nil
			}
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
	// No Headers: the upgrade request's would be kept as long as the
	// socket, and nothing reads them; what the edge took from them (the
	// language, the app's release) is in the context.
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
	adopt := c.adopted == nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription
	if adopt {
		op.takeStream()
	}
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
	if adopt {
		c.adopted = op // served by this connection's wait
		return true
	}
	go c.run(op)
	return true
}

// takeStream has the operation's root field hand its channel to op, and
// gqlgen a channel op feeds, one value at a time (see wsTransport).
func (op *wsOperation) takeStream() {
	inner := op.oc.ResolverMiddleware
	op.oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := inner(ctx, next)
		if fc := graphql.GetFieldContext(ctx); err != nil || res == nil || fc == nil || fc.Object != "Subscription" || op.stream != nil {
			return res, err
		}
		switch ch := res.(type) {
		case <-chan *cases.Update:
			// The schema's subscription, caseUpdated: a plain select,
			// whose frames fit the smallest stack (see park).
			s := &typedStream[*cases.Update]{source: ch, proxy: make(chan *cases.Update, 1)}
			op.stream = s
			return (<-chan *cases.Update)(s.proxy), nil
		}
		v := reflect.ValueOf(res)
		if v.Kind() != reflect.Chan || v.Type().ChanDir()&reflect.RecvDir == 0 {
			return res, err
		}
		s := &reflectStream{source: v, proxy: reflect.MakeChan(reflect.ChanOf(reflect.BothDir, v.Type().Elem()), 1)}
		op.stream = s
		return s.proxy.Convert(v.Type()).Interface(), nil
	}
}

// wsStream is a subscription's channel taken from gqlgen.
type wsStream interface {
	// wait waits for the stream's next value (then handed to gqlgen) or
	// its end, done, or wake; it reports whether gqlgen's handler has
	// something (a value, or the end) for deliver.
	wait(wake, done <-chan struct{}) bool
}

type typedStream[T any] struct {
	source <-chan T
	proxy  chan T // buffered, and empty between two waits
}

func (s *typedStream[T]) wait(wake, done <-chan struct{}) bool {
	select {
	case v, ok := <-s.source:
		if ok {
			s.proxy <- v
		} else {
			close(s.proxy)
		}
		return true
	case <-done:
		return true
	case <-wake:
		return false
	}
}

// reflectStream is wsStream for a channel of any other type.
type reflectStream struct {
	source, proxy reflect.Value
	cases         []reflect.SelectCase
}

func (s *reflectStream) wait(wake, done <-chan struct{}) bool {
	if s.cases == nil {
		s.cases = []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: s.source}, {Dir: reflect.SelectRecv}, {Dir: reflect.SelectRecv}}
	}
	s.cases[1].Chan, s.cases[2].Chan = reflect.ValueOf(done), reflect.ValueOf(wake)
	chosen, v, ok := reflect.Select(s.cases)
	switch chosen {
	case 0:
		if ok {
			s.proxy.Send(v)
		} else {
			s.proxy.Close()
		}
		return true
	case 1:
		return true
	}
	return false
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
	if c.ops[op.id] == op { // not a later one under the same id
		delete(c.ops, op.id)
	}
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

// wait waits for the socket to become readable, the connection to end or
// the adopted subscription's next event; it reports whether the
// subscription has something for deliver.
func (c *wsConn) wait() bool {
	op := c.adopted
	if op == nil {
		select {
		case <-c.wakeCh:
		case <-c.ctx.Done():
		}
		return false
	}
	if op.stream == nil {
		// No stream: the resolver failed (its errors come as one
		// response), or a directive answered instead.
		return true
	}
	return op.stream.wait(c.wakeCh, op.ctx.Done())
}

// deliver sends what the adopted subscription's handler has, or ends it.
func (c *wsConn) deliver(op *wsOperation) {
	var resp *graphql.Response
	if !c.protect(op, func() { resp = op.responses(op.ctx) }) {
		c.adopted = nil
		c.end(op)
		return
	}
	if resp == nil {
		c.adopted = nil
		c.end(op)
		return
	}
	c.sendNext(op.id, resp)
}

// readable is the poller's wake: the socket has something to read (or
// was closed), and the poller is disarmed until the next wait.
func (c *wsConn) readable() {
	c.armed.Store(false)
	select {
	case c.wakeCh <- struct{}{}:
	default:
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
	c.mu.Lock()
	c.ping.Reset(c.t.ping)
	c.mu.Unlock()
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
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Lock()
	if c.ping != nil {
		c.ping.Stop()
	}
	c.mu.Unlock()
	if c.pollID != 0 {
		pollerOnce().remove(c.nc.raw, c.pollID)
	}
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

// sendNext writes {"id":…,"type":"next","payload":resp}, the response
// encoded once (json.Marshal of a wsMessage would scan it again).
func (c *wsConn) sendNext(id string, resp *graphql.Response) {
	quoted, err := json.Marshal(id)
	if err != nil {
		panic(fmt.Errorf("marshalling an operation id: %w", err))
	}
	var b bytes.Buffer
	b.Grow(len(quoted) + 512)
	b.WriteString(`{"id":`)
	b.Write(quoted)
	b.WriteString(`,"type":"next","payload":`)
	if err := json.NewEncoder(&b).Encode(resp); err != nil {
		panic(fmt.Errorf("marshalling a GraphQL response: %w", err))
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteByte('}')
	_ = c.ws.Write(context.Background(), websocket.MessageText, b.Bytes())
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
