package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/store/memory"
)

var corsOrigins = []string{"https://app.satupintu.go.id", "https://*.preview.satupintu.go.id"}

// preflight sends a browser's preflight for a POST with a token and
// Apollo's client headers (the Fetch standard has browsers list the
// headers lowercased and sorted).
func preflight(t *testing.T, url, origin string) reply {
	t.Helper()
	return send(t, http.MethodOptions, url+"/graphql", "",
		"Origin", origin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "apollographql-client-name,apollographql-client-version,authorization,content-type")
}

// A preflight from a listed origin is answered before authentication and
// the rate limits: allowed methods and headers, a max age, no credentials.
// One from an origin not listed gets no CORS headers, and neither does its
// request.
func TestCORSPreflight(t *testing.T) {
	clk := newClock()
	srv := serve(t, server.Deps{
		CORS: server.CORS{Origins: corsOrigins},
		RateLimits: server.RateLimits{
			Limiter: memory.NewLimiter(100, memory.WithNow(clk.Now)),
			IP:      ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1},
		},
	})
	for _, origin := range []string{"https://app.satupintu.go.id", "https://pr-42.preview.satupintu.go.id"} {
		for range 3 { // more than the IP's budget: preflights do not count
			r := preflight(t, srv.URL, origin)
			if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != origin {
				t.Fatalf("preflight from %s: HTTP %d %v", origin, r.Status, r.Header)
			}
			allowHeaders := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
			for _, h := range []string{"authorization", "content-type", "apollographql-client-name", "apollographql-client-version"} {
				if !strings.Contains(allowHeaders, h) {
					t.Errorf("preflight from %s: Access-Control-Allow-Headers %q lacks %s", origin, allowHeaders, h)
				}
			}
			if r.Header.Get("Access-Control-Allow-Methods") != "POST" || r.Header.Get("Access-Control-Max-Age") != "7200" ||
				r.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("preflight from %s: %v", origin, r.Header)
			}
		}
	}
	for _, origin := range []string{"https://evil.example", "https://app.satupintu.go.id.evil.example", "http://app.satupintu.go.id", "null"} {
		r := preflight(t, srv.URL, origin)
		for name := range r.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("preflight from %s: %s: %s", origin, name, r.Header.Get(name))
			}
		}
	}

	// The real request is counted (the budget of 1 is still whole after
	// the preflights), and a second one is refused with a 429 the app can
	// read: it carries the CORS headers, Retry-After exposed.
	r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ __typename }", nil),
		"Origin", "https://app.satupintu.go.id", "Authorization", "Bearer tok-"+nikA, "Content-Type", "application/json")
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "https://app.satupintu.go.id" {
		t.Fatalf("request after the preflights: HTTP %d %v %s", r.Status, r.Header, r.Body)
	}
	r = send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ __typename }", nil),
		"Origin", "https://app.satupintu.go.id", "Authorization", "Bearer tok-"+nikA, "Content-Type", "application/json")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Access-Control-Allow-Origin") != "https://app.satupintu.go.id" ||
		!strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Errorf("the 429: HTTP %d %v", r.Status, r.Header)
	}
}

// A request with a bearer token from a listed origin is answered with the
// CORS headers (and a 401 as well, so the app can read it); from an origin
// not listed it is served without them, and the browser keeps the answer
// from the page.
func TestCORSRequests(t *testing.T) {
	srv := serve(t, server.Deps{CORS: server.CORS{Origins: corsOrigins}})
	for _, tc := range []struct {
		origin, token string
		status        int
		allowed       bool
	}{
		{"https://app.satupintu.go.id", "tok-" + nikA, 200, true},
		{"https://app.satupintu.go.id", "expired", 401, true},
		{"https://evil.example", "tok-" + nikA, 200, false},
	} {
		r := send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ __typename }", nil),
			"Origin", tc.origin, "Authorization", "Bearer "+tc.token, "Content-Type", "application/json")
		if r.Status != tc.status {
			t.Errorf("%s: HTTP %d %s", tc.origin, r.Status, r.Body)
		}
		got := r.Header.Get("Access-Control-Allow-Origin")
		if tc.allowed && (got != tc.origin || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")) ||
			!tc.allowed && got != "" {
			t.Errorf("%s (token %s): Access-Control-Allow-Origin %q, exposed %q", tc.origin, tc.token, got, r.Header.Get("Access-Control-Expose-Headers"))
		}
		if r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: credentials allowed", tc.origin)
		}
		if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("%s: Vary %q lacks Origin: a cache would mix origins", tc.origin, r.Header.Values("Vary"))
		}
	}
}

// With no origins configured (the default) nothing is allowed across
// origins: no CORS headers on a preflight or a request.
func TestCORSOffByDefault(t *testing.T) {
	srv := serve(t, server.Deps{})
	for _, r := range []reply{
		preflight(t, srv.URL, "https://app.satupintu.go.id"),
		send(t, http.MethodPost, srv.URL+"/graphql", gqlBody("{ __typename }", nil),
			"Origin", "https://app.satupintu.go.id", "Authorization", "Bearer tok-"+nikA, "Content-Type", "application/json"),
	} {
		for name := range r.Header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("%s: %s", name, r.Header.Get(name))
			}
		}
	}
}

// A browser app on a CORS origin may open the websocket too; others may not.
func TestCORSOriginsMayOpenTheWebsocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := serve(t, server.Deps{CORS: server.CORS{Origins: corsOrigins}})
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
	for origin, ok := range map[string]bool{"https://pr-7.preview.satupintu.go.id": true, "https://evil.example": false} {
		c, resp, err := websocket.Dial(ctx, ws, &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: http.Header{"Origin": {origin}},
		})
		if c != nil {
			c.CloseNow()
		}
		if (err == nil) != ok {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("websocket from %s: err %v (HTTP %d), want allowed %v", origin, err, status, ok)
		}
	}
}
