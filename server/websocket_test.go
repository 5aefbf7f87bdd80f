package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/satupintu/satupintu/server"
)

type wsMsg struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// openWS dials /graphql with graphql-transport-ws and signs in.
func openWS(ctx context.Context, t *testing.T, d server.Deps) *websocket.Conn {
	t.Helper()
	srv := serve(t, d)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer tok-" + nikA})
	if err := wsjson.Write(ctx, c, wsMsg{Type: "connection_init", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	var m wsMsg
	if err := wsjson.Read(ctx, c, &m); err != nil || m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %+v, %v", m, err)
	}
	return c
}

// With a ping interval the server pings an idle socket; the app's own
// pings are answered either way.
func TestWebsocketPings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c := openWS(ctx, t, server.Deps{WebsocketPing: 50 * time.Millisecond})
	var m wsMsg
	if err := wsjson.Read(ctx, c, &m); err != nil || m.Type != "ping" {
		t.Fatalf("idle socket: %+v, %v; want the server's ping", m, err)
	}

	quiet := openWS(ctx, t, server.Deps{WebsocketPing: 0})
	if err := wsjson.Write(ctx, quiet, wsMsg{Type: "ping"}); err != nil {
		t.Fatal(err)
	}
	if err := wsjson.Read(ctx, quiet, &m); err != nil || m.Type != "pong" {
		t.Fatalf("the app's ping: %+v, %v; want pong", m, err)
	}
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if err := wsjson.Read(short, quiet, &m); err == nil {
		t.Errorf("with pings off the server sent %+v", m)
	}
}
