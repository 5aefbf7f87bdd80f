package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// wsMessage is one graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsSubscription is a graphql-transport-ws client, as the app's Apollo
// client would open one.
type wsSubscription struct {
	conn *websocket.Conn
	// next carries each "next" payload's data, errors the "error"
	// payloads; closed is closed when the server ends the socket.
	next   chan map[string]any
	errors chan []gqlError
	closed chan websocket.CloseError
}

// subscribeWS opens a socket, authenticates in connection_init and
// subscribes. A refused connection_init is returned as an error.
func (ta *testApp) subscribeWS(token, query string, vars map[string]any) (*wsSubscription, error) {
	ta.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ta.url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		ta.t.Fatalf("websocket dial: %v", err)
	}
	ta.t.Cleanup(func() { conn.CloseNow() })
	init := map[string]any{}
	if token != "" {
		init["Authorization"] = "Bearer " + token
	}
	payload, _ := json.Marshal(init)
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		ta.t.Fatal(err)
	}
	var ack wsMessage
	if err := wsjson.Read(ctx, conn, &ack); err != nil {
		return nil, err
	}
	if ack.Type != "connection_ack" {
		return nil, &wsRefused{ack}
	}
	sub := &wsSubscription{conn: conn, next: make(chan map[string]any, 64), errors: make(chan []gqlError, 8),
		closed: make(chan websocket.CloseError, 1)}
	payload, _ = json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		ta.t.Fatal(err)
	}
	go sub.read()
	return sub, nil
}

type wsRefused struct{ msg wsMessage }

func (e *wsRefused) Error() string {
	return "connection_init refused: " + e.msg.Type + " " + string(e.msg.Payload)
}

func (s *wsSubscription) read() {
	for {
		var m wsMessage
		if err := wsjson.Read(context.Background(), s.conn, &m); err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				s.closed <- ce
			}
			close(s.closed)
			return
		}
		switch m.Type {
		case "next":
			var p struct {
				Data   map[string]any `json:"data"`
				Errors []gqlError     `json:"errors"`
			}
			_ = json.Unmarshal(m.Payload, &p)
			if len(p.Errors) > 0 {
				s.errors <- p.Errors
			}
			if p.Data != nil {
				s.next <- p.Data
			}
		case "error":
			var errs []gqlError
			_ = json.Unmarshal(m.Payload, &errs)
			s.errors <- errs
		case "ping":
			_ = wsjson.Write(context.Background(), s.conn, wsMessage{Type: "pong"})
		}
	}
}

// await returns the next update, failing the test after 10s.
func (s *wsSubscription) await(t *testing.T) map[string]any {
	t.Helper()
	select {
	case d := <-s.next:
		return d
	case errs := <-s.errors:
		t.Fatalf("subscription error: %+v", errs)
	case ce, ok := <-s.closed:
		t.Fatalf("subscription closed: %v %v", ce, ok)
	case <-time.After(10 * time.Second):
		t.Fatal("no subscription update within 10s")
	}
	return nil
}

// subscribeSSE runs a subscription over server-sent events and returns the
// data of each event.
func (ta *testApp) subscribeSSE(ctx context.Context, token, query string) <-chan map[string]any {
	ta.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ta.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	// As browsers do: the server compresses answers, never a stream.
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		ta.t.Fatalf("SSE: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		ta.t.Fatalf("SSE compressed (%s): events would wait in the compressor", ce)
	}
	out := make(chan map[string]any, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			data, ok := strings.CutPrefix(lines.Text(), "data: ")
			if !ok {
				continue
			}
			var p struct {
				Data map[string]any `json:"data"`
			}
			if json.Unmarshal([]byte(data), &p) == nil && p.Data != nil {
				out <- p.Data
			}
		}
	}()
	return out
}
