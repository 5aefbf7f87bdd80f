package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
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

// A client that sends its first message in the same packet as the upgrade
// request (before the 101 arrives) is served: those bytes, already read by
// net/http, reach the websocket.
func TestWebsocketMessageSentWithTheUpgrade(t *testing.T) {
	srv := serve(t, server.Deps{})
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	init, _ := json.Marshal(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"Bearer tok-` + nikA + `"}`)})
	upgrade := "GET /graphql HTTP/1.1\r\nHost: " + strings.TrimPrefix(srv.URL, "http://") + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
	if _, err := conn.Write(append([]byte(upgrade), clientFrame(init)...)); err != nil {
		t.Fatal(err)
	}

	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	op, payload, err := readServerFrame(r)
	if err != nil || op != 1 || !strings.Contains(string(payload), `"connection_ack"`) {
		t.Fatalf("first message: opcode %d %q %v; want connection_ack", op, payload, err)
	}
}

// Messages sent together with connection_init, in one packet, are read
// after it, though the socket has nothing more to read.
func TestWebsocketMessagesSentWithTheInit(t *testing.T) {
	srv := serve(t, server.Deps{})
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	upgrade := "GET /graphql HTTP/1.1\r\nHost: " + strings.TrimPrefix(srv.URL, "http://") + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
	if _, err := io.WriteString(conn, upgrade); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	init, _ := json.Marshal(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"Bearer tok-` + nikA + `"}`)})
	ping, _ := json.Marshal(wsMsg{Type: "ping", Payload: json.RawMessage(`{"n":1}`)})
	if _, err := conn.Write(append(clientFrame(init), clientFrame(ping)...)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"connection_ack"`, `"pong"`} {
		op, payload, err := readServerFrame(r)
		if err != nil || op != 1 || !strings.Contains(string(payload), want) {
			t.Fatalf("opcode %d %q %v; want %s", op, payload, err, want)
		}
	}
}

// clientFrame is one masked, final text frame (RFC 6455 §5.2), as a
// client must send.
func clientFrame(payload []byte) []byte {
	if len(payload) > 125 {
		panic("clientFrame: payload over 125 bytes")
	}
	mask := [4]byte{1, 2, 3, 4}
	f := []byte{0x81, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	return f
}

// readServerFrame reads one unmasked frame of up to 125 bytes.
func readServerFrame(r *bufio.Reader) (opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	if n > 125 {
		return 0, nil, fmt.Errorf("frame length code %d: longer than this test reads", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return h[0] & 0x0f, payload, err
}
