package server

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
)

// A panic while serving a websocket never takes the process down: before
// the upgrade it is answered like any request's; after it, it is logged
// and the socket closed. The server keeps serving.
func TestWebsocketPanicsAreContained(t *testing.T) {
	logs := &testkit.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	h := recoverPanics(log, lightWebsockets(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("after") {
			c, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			brw.Flush()
			_ = c
		}
		panic("boom")
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()

	upgrade := func(query string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql"+query, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	if resp := upgrade(""); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("panic before the upgrade: HTTP %d, want 500", resp.StatusCode)
	}

	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET /graphql?after HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	r := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(r, nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after a panic past the upgrade the socket stays open (%v)", err)
	}
	if !strings.Contains(logs.String(), "panic serving a websocket") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}

	resp, err := http.Get(srv.URL + "/graphql")
	if err != nil {
		t.Fatalf("the server stopped serving: %v", err)
	}
	resp.Body.Close()
}
