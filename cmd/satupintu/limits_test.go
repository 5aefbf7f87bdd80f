package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/sim/seed"
	storeredis "github.com/satupintu/satupintu/store/redis"
)

func TestRateLimitSettings(t *testing.T) {
	d := defaultConfig()
	if d.RateCitizen != (ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 40}) ||
		d.RateIP != (ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 200}) || d.TrustProxyHeaders {
		t.Errorf("defaults: citizen %v, IP %v, trust proxy %v", d.RateCitizen, d.RateIP, d.TrustProxyHeaders)
	}
	load := func(env map[string]string) (Config, error) {
		c, _, err := loadConfig(func(k string) string { return env[k] }, nil)
		return c, err
	}
	c, err := load(nil)
	if err != nil || !c.RateCitizen.IsZero() || !c.RateIP.IsZero() {
		t.Errorf("dev mode: citizen %v, IP %v, %v; want both off unless set", c.RateCitizen, c.RateIP, err)
	}
	c, err = load(map[string]string{"SATUPINTU_RATE_CITIZEN": "10/1s,burst=5", "SATUPINTU_RATE_IP": "off",
		"SATUPINTU_TRUST_PROXY_HEADERS": "true"})
	if err != nil || c.RateCitizen != (ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 5}) || !c.RateIP.IsZero() || !c.TrustProxyHeaders {
		t.Errorf("set: citizen %v, IP %v, trust %v, %v", c.RateCitizen, c.RateIP, c.TrustProxyHeaders, err)
	}
	_, err = load(map[string]string{"SATUPINTU_RATE_CITIZEN": "120 per minute", "SATUPINTU_RATE_IP": "1/1m,burst=0",
		"SATUPINTU_TRUST_PROXY_HEADERS": "yes"})
	for _, name := range []string{"SATUPINTU_RATE_CITIZEN", "SATUPINTU_RATE_IP", "SATUPINTU_TRUST_PROXY_HEADERS"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad values: %v; want %s named", err, name)
		}
	}
}

// Production with Redis: the citizen limit holds across requests, its keys
// name no NIK, and persisted queries land in Redis.
func TestProductionRateLimitAndAPQ(t *testing.T) {
	env, sb := productionEnv(t)
	env["SATUPINTU_RATE_CITIZEN"] = "1/1h,burst=2"
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	a, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	ta := &testApp{app: a, t: t}
	mint := func(nik sp.NIK) string {
		tok, _, err := sb.IdP().Mint(nik, "satupintu-prod", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	dewi, budi := mint(seed.NIKDewi), mint(seed.NIKBudi)

	const query = "query Probe { __typename }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	apq := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	if r := ta.postBody(dewi, map[string]any{"extensions": apq}); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("hash only: %+v; want PERSISTED_QUERY_NOT_FOUND", r)
	}
	if r := ta.postBody(dewi, map[string]any{"query": query, "extensions": apq}); r.Status != 200 || get(r.Data, "__typename") != "Query" {
		t.Fatalf("query and hash: HTTP %d %+v", r.Status, r.Errors)
	}
	// Dewi's third request: over her burst of 2.
	r := ta.postBody(dewi, map[string]any{"extensions": apq})
	if r.Status != http.StatusTooManyRequests || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("third request: HTTP %d %+v; want 429 RATE_LIMITED", r.Status, r.Errors)
	}
	// Budi, from the same address, knows the query by its hash.
	if r := ta.postBody(budi, map[string]any{"extensions": apq}); r.Status != 200 || get(r.Data, "__typename") != "Query" {
		t.Fatalf("Budi, hash only: HTTP %d %+v", r.Status, r.Errors)
	}

	rc, err := storeredis.Connect(context.Background(), env["REDIS_URL"], storeredis.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	prefix := env["SATUPINTU_REDIS_PREFIX"]
	if n, err := rc.Exists(context.Background(), prefix+"apq:"+hash).Result(); err != nil || n != 1 {
		t.Errorf("key %sapq:<hash>: exists %d, %v", prefix, n, err)
	}
	keys, err := rc.Keys(context.Background(), "rate:"+prefix+"rl:*").Result()
	if err != nil || len(keys) < 3 { // the IP and two citizens
		t.Fatalf("rate-limit keys %v, %v; want the IP's and both citizens'", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(k, string(seed.NIKDewi)) || strings.Contains(k, string(seed.NIKBudi)) || strings.Contains(k, "127.0.0.1") {
			t.Errorf("rate-limit key %q names a NIK or an address", k)
		}
	}
}

// postBody sends a raw GraphQL request body.
func (ta *testApp) postBody(token string, body map[string]any) gqlResponse {
	ta.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ta.url+"/graphql", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return ta.do(req)
}
