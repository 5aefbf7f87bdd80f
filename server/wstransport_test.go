package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/store/memory"
)

// wsMessage is a graphql-transport-ws message with its id.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscriptionServer serves the real schema with a broker to publish
// case updates through.
func subscriptionServer(t *testing.T, d server.Deps) (*httptest.Server, *memory.Broker) {
	t.Helper()
	broker := memory.NewBroker()
	res := &resolvers.Resolver{Now: time.Now, Broker: broker}
	d.Schema = exec.NewExecutableSchema(exec.Config{Resolvers: res})
	d.Extensions = append(d.Extensions, res.Extension())
	return serve(t, d), broker
}

// dialWS opens a graphql-transport-ws socket as nik and waits for the ack.
func dialWS(ctx context.Context, t *testing.T, url, nik string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer tok-" + nik})
	if err := wsjson.Write(ctx, c, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if m := readWS(ctx, t, c); m.Type != "connection_ack" || m.Payload != nil {
		t.Fatalf("after connection_init: %+v; want a bare connection_ack", m)
	}
	return c
}

func readWS(ctx context.Context, t *testing.T, c *websocket.Conn) wsMessage {
	t.Helper()
	var m wsMessage
	if err := wsjson.Read(ctx, c, &m); err != nil {
		t.Fatalf("reading: %v", err)
	}
	return m
}

func subscribe(ctx context.Context, t *testing.T, c *websocket.Conn, id, query string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]string{"query": query})
	if err := wsjson.Write(ctx, c, wsMessage{ID: id, Type: "subscribe", Payload: payload}); err != nil {
		t.Fatal(err)
	}
}

// publish sends an update of case "C-1" to nik's subscribers.
func publish(t *testing.T, b *memory.Broker, nik string, version int64) {
	t.Helper()
	if err := b.Publish(context.Background(), cases.Update{CaseID: "C-1", Citizen: sp.NIK(nik), Status: cases.StatusForwarded, Version: version}); err != nil {
		t.Fatal(err)
	}
}

// awaitNext reads up to the next "next" message, of operation id.
func awaitNext(ctx context.Context, t *testing.T, c *websocket.Conn, id string) map[string]any {
	t.Helper()
	for {
		m := readWS(ctx, t, c)
		switch m.Type {
		case "ping":
			continue
		case "next":
			if m.ID != id {
				t.Fatalf("next for %q, want %q", m.ID, id)
			}
			var p struct {
				Data   map[string]any `json:"data"`
				Errors []gqlErr       `json:"errors"`
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
				t.Fatalf("next: %s (%v)", m.Payload, err)
			}
			return p.Data
		default:
			t.Fatalf("got %+v; want next", m)
		}
	}
}

// The protocol, message by message: events reach a subscription in order;
// a query is answered with next and complete; ping is answered with pong
// and its payload; a subscription the client completes hears no more and
// is not completed back; an invalid operation is answered with error and
// complete; the socket stays usable throughout.
func TestWebsocketProtocol(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, broker := subscriptionServer(t, server.Deps{})
	c := dialWS(ctx, t, srv.URL, nikA)

	subscribe(ctx, t, c, "s1", `subscription { caseUpdated { caseId status version } }`)
	pingPayload := json.RawMessage(`{"n":7}`)
	if err := wsjson.Write(ctx, c, wsMessage{Type: "ping", Payload: pingPayload}); err != nil {
		t.Fatal(err)
	}
	// The ping is answered after the subscribe was handled, and the
	// subscription is then with the broker: a socket's messages are
	// handled in order, and subscribe reaches the resolver at once.
	if m := readWS(ctx, t, c); m.Type != "pong" || string(m.Payload) != string(pingPayload) {
		t.Fatalf("after ping: %+v; want pong with the payload", m)
	}
	for v := int64(2); v <= 4; v++ {
		publish(t, broker, nikA, v)
		if d := awaitNext(ctx, t, c, "s1"); fmt.Sprint(d["caseUpdated"].(map[string]any)["version"]) != fmt.Sprint(v) {
			t.Fatalf("event %d: %v", v, d)
		}
	}

	subscribe(ctx, t, c, "q1", `{ __typename }`)
	if d := awaitNext(ctx, t, c, "q1"); d["__typename"] != "Query" {
		t.Fatalf("query: %v", d)
	}
	if m := readWS(ctx, t, c); m.Type != "complete" || m.ID != "q1" {
		t.Fatalf("after the query's answer: %+v; want complete", m)
	}

	subscribe(ctx, t, c, "bad", `{ nope }`)
	if m := readWS(ctx, t, c); m.Type != "error" || m.ID != "bad" || !strings.Contains(string(m.Payload), "nope") {
		t.Fatalf("invalid operation: %+v; want error", m)
	}
	if m := readWS(ctx, t, c); m.Type != "complete" || m.ID != "bad" {
		t.Fatalf("after the error: %+v; want complete", m)
	}

	if err := wsjson.Write(ctx, c, wsMessage{ID: "s1", Type: "complete"}); err != nil {
		t.Fatal(err)
	}
	// Nothing more for s1, and no complete back: the next message is the
	// pong of a ping sent after the update.
	if err := wsjson.Write(ctx, c, wsMessage{Type: "ping"}); err != nil {
		t.Fatal(err)
	}
	if m := readWS(ctx, t, c); m.Type != "pong" {
		t.Fatalf("after complete: %+v; want only the pong", m)
	}
	publish(t, broker, nikA, 5)
	if err := wsjson.Write(ctx, c, wsMessage{Type: "ping"}); err != nil {
		t.Fatal(err)
	}
	if m := readWS(ctx, t, c); m.Type != "pong" {
		t.Fatalf("after an update of a completed subscription: %+v; want only the pong", m)
	}

	// The id is free again.
	subscribe(ctx, t, c, "s1", `subscription { caseUpdated { version } }`)
	if err := wsjson.Write(ctx, c, wsMessage{Type: "ping"}); err != nil {
		t.Fatal(err)
	}
	if m := readWS(ctx, t, c); m.Type != "pong" {
		t.Fatalf("%+v; want pong", m)
	}
	publish(t, broker, nikA, 6)
	if d := awaitNext(ctx, t, c, "s1"); fmt.Sprint(d["caseUpdated"].(map[string]any)["version"]) != "6" {
		t.Fatalf("resubscribed: %v", d)
	}
}

// Protocol errors close the socket with gqlgen's codes: 1002 for a
// message that does not decode or comes out of turn; 4409 for a second
// subscription under an id in use (graphql-transport-ws's code).
func TestWebsocketProtocolErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, _ := subscriptionServer(t, server.Deps{})
	closedWith := func(c *websocket.Conn) websocket.StatusCode {
		t.Helper()
		for {
			var m wsMessage
			if err := wsjson.Read(ctx, c, &m); err != nil {
				return websocket.CloseStatus(err)
			}
		}
	}
	for name, tt := range map[string]struct {
		send []string
		want websocket.StatusCode
	}{
		"not JSON":              {[]string{`{"type":`}, websocket.StatusProtocolError},
		"a second init":         {[]string{`{"type":"connection_init"}`}, websocket.StatusProtocolError},
		"a server's message":    {[]string{`{"type":"next","id":"1"}`}, websocket.StatusProtocolError},
		"an id already running": {[]string{`{"type":"subscribe","id":"1","payload":{"query":"subscription { caseUpdated { version } }"}}`, `{"type":"subscribe","id":"1","payload":{"query":"subscription { caseUpdated { version } }"}}`}, 4409},
	} {
		t.Run(name, func(t *testing.T) {
			c := dialWS(ctx, t, srv.URL, nikA)
			for _, m := range tt.send {
				if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
					t.Fatal(err)
				}
			}
			if got := closedWith(c); got != tt.want {
				t.Errorf("closed with %d, want %d", got, tt.want)
			}
		})
	}

	// Before connection_init: anything else is 1002, as is silence past
	// the init timeout (not waited for here: 10 s).
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := wsjson.Write(ctx, c, wsMessage{ID: "1", Type: "subscribe"}); err != nil {
		t.Fatal(err)
	}
	if got := closedWith(c); got != websocket.StatusProtocolError {
		t.Errorf("subscribe before connection_init: closed with %d, want 1002", got)
	}
}

// expiringVerifier is stubVerifier with tokens that expire after ttl.
type expiringVerifier struct{ ttl time.Duration }

func (v expiringVerifier) Verify(ctx context.Context, raw string) (auth.Principal, error) {
	p, err := stubVerifier{}.Verify(ctx, raw)
	p.ExpiresAt = time.Now().Add(v.ttl)
	return p, err
}

// A socket lives no longer than its token: at the expiry it is closed with
// 1000 and a reason to sign in again, whether or not a subscription runs.
func TestWebsocketClosesAtTokenExpiry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, _ := subscriptionServer(t, server.Deps{Verifier: expiringVerifier{ttl: 300 * time.Millisecond}})
	idle := dialWS(ctx, t, srv.URL, nikA)
	subscribed := dialWS(ctx, t, srv.URL, nikA)
	subscribe(ctx, t, subscribed, "1", `subscription { caseUpdated { version } }`)
	for name, c := range map[string]*websocket.Conn{"idle": idle, "subscribed": subscribed} {
		var m wsMessage
		err := wsjson.Read(ctx, c, &m)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusNormalClosure || ce.Reason != "token expired: sign in again" {
			t.Errorf("%s socket: %+v, %v; want closed with 1000 and a reason", name, m, err)
		}
	}
}

// The server pings every interval and closes a socket that stopped
// answering; one that answers stays open, and the client's own control
// frames (ping) are answered without holding up events.
func TestWebsocketPingPong(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const interval = 150 * time.Millisecond // the answering client must answer within two, even under -race
	srv, broker := subscriptionServer(t, server.Deps{WebsocketPing: interval})

	silent := dialWS(ctx, t, srv.URL, nikA)
	began := time.Now()
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, silent, &m); err != nil {
			if websocket.CloseStatus(err) != -1 {
				t.Errorf("closed with %d; want a dropped connection, as gqlgen's", websocket.CloseStatus(err))
			}
			break
		}
		if m.Type != "ping" {
			t.Fatalf("%+v; want ping", m)
		}
	}
	if took := time.Since(began); took < 2*interval {
		t.Errorf("a socket that never answered was closed after %v; want two intervals (%v)", took, 2*interval)
	}

	answering := dialWS(ctx, t, srv.URL, nikB)
	subscribe(ctx, t, answering, "1", `subscription { caseUpdated { version } }`)
	pings := 0
	for pings < 4 {
		m := readWS(ctx, t, answering)
		if m.Type != "ping" {
			t.Fatalf("%+v; want ping", m)
		}
		pings++
		if err := wsjson.Write(ctx, answering, wsMessage{Type: "pong"}); err != nil {
			t.Fatal(err)
		}
	}
	// A websocket ping frame (the library answers it within a read of
	// ours): the pong comes back, and events still flow.
	pinged := make(chan error, 1)
	go func() { pinged <- answering.Ping(ctx) }()
	for v := int64(1); ; v++ {
		publish(t, broker, nikB, v)
		m := readWS(ctx, t, answering) // the client reads pong frames within
		if m.Type == "ping" {
			_ = wsjson.Write(ctx, answering, wsMessage{Type: "pong"})
			continue
		}
		if m.Type != "next" {
			t.Fatalf("%+v; want next", m)
		}
		select {
		case err := <-pinged:
			if err != nil {
				t.Fatalf("websocket ping: %v", err)
			}
			return
		default:
		}
	}
}

// One goroutine per idle subscriber: with N sockets subscribed, the server
// runs N goroutines more than before (gqlgen's transport ran 3 to 4 each),
// and an event still reaches every one.
func TestWebsocketOneGoroutinePerIdleSubscriber(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, broker := subscriptionServer(t, server.Deps{WebsocketPing: time.Hour})
	// One socket first: the poller's goroutine is there before counting.
	warm := dialWS(ctx, t, srv.URL, nikB)
	subscribe(ctx, t, warm, "1", `subscription { caseUpdated { version } }`)
	awaitQuiet := func(want func(int) bool) int {
		t.Helper()
		var n int
		testkit.WaitFor(t, "goroutines to settle", func() bool { n = goroutinesButIdleWorkers(); return want(n) })
		return n
	}
	before := awaitQuiet(func(int) bool { return true })

	const n = 60
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dialWS(ctx, t, srv.URL, nikA)
		subscribe(ctx, t, conns[i], "1", `subscription { caseUpdated { version } }`)
		// Answered once the subscription is with the broker.
		if err := wsjson.Write(ctx, conns[i], wsMessage{Type: "ping"}); err != nil {
			t.Fatal(err)
		}
		if m := readWS(ctx, t, conns[i]); m.Type != "pong" {
			t.Fatalf("socket %d: %+v; want pong", i, m)
		}
	}
	after := awaitQuiet(func(g int) bool { return g-before <= n+2 })
	if after-before < n-2 {
		t.Errorf("%d goroutines for %d sockets: fewer than one each?", after-before, n)
	}
	publish(t, broker, nikA, 1)
	for i, c := range conns {
		if d := awaitNext(ctx, t, c, "1"); fmt.Sprint(d["caseUpdated"]) != "map[version:1]" {
			t.Errorf("socket %d: %v", i, d)
		}
	}
}

// A client speaking the legacy graphql-ws protocol (subscriptions-
// transport-ws) is still served, by gqlgen's transport: ack, then its
// keep-alive.
func TestWebsocketLegacyProtocol(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, broker := subscriptionServer(t, server.Deps{WebsocketPing: time.Hour})
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.Subprotocol() != "graphql-ws" {
		t.Fatalf("negotiated %q", c.Subprotocol())
	}
	payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer tok-" + nikA})
	if err := wsjson.Write(ctx, c, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if m := readWS(ctx, t, c); m.Type != "connection_ack" {
		t.Fatalf("%+v; want connection_ack", m)
	}
	if m := readWS(ctx, t, c); m.Type != "ka" {
		t.Fatalf("%+v; want ka", m)
	}
	q, _ := json.Marshal(map[string]string{"query": `subscription { caseUpdated { version } }`})
	if err := wsjson.Write(ctx, c, wsMessage{ID: "1", Type: "start", Payload: q}); err != nil {
		t.Fatal(err)
	}
	// Publish until the subscription, started on a goroutine of gqlgen's,
	// has reached the broker and heard one.
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for v := int64(1); ; v++ {
			_ = broker.Publish(ctx, cases.Update{CaseID: "C-1", Citizen: nikA, Status: cases.StatusForwarded, Version: v})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	if m := readWS(ctx, t, c); m.Type != "data" || m.ID != "1" {
		t.Fatalf("%+v; want data", m)
	}
}

// goroutinesButIdleWorkers counts the process's goroutines except gqlgen's
// idle workers (third_party/README.md), which end on their own timer, two
// seconds after an earlier test's last query, and would make the count
// move under the test.
func goroutinesButIdleWorkers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && !strings.Contains(g, "gqlgen/graphql.worker(") {
			count++
		}
	}
	return count
}
