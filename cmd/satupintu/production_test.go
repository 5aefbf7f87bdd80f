package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/jackc/pgx/v5"

	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/signing"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
	storeredis "github.com/satupintu/satupintu/store/redis"
	"github.com/satupintu/satupintu/store/seal"
)

// productionEnv configures every production setting against a sandbox
// served on its own, as real agencies and a real identity provider would be.
func productionEnv(t *testing.T) (map[string]string, *sim.Sandbox) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	sb := sim.New(sim.Options{BaseURL: base})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: sb}}
	srv.Start()
	t.Cleanup(srv.Close)

	c := sb.Creds
	env := map[string]string{
		"SATUPINTU_MODE": "production",
		// Fees are paid at the agency here: paymentEnv turns payments on.
		"SATUPINTU_PAYMENTS":                "off",
		"SATUPINTU_AUTH_ISSUER":             sb.IdP().Issuer(),
		"SATUPINTU_AUTH_AUDIENCE":           "satupintu-prod",
		"SATUPINTU_CACHE_KEY":               strings.Repeat("ab", 32),
		"SATUPINTU_DUKCAPIL_API_KEY":        c.DukcapilKey,
		"SATUPINTU_EDUCATION_API_KEY":       c.EducationKey,
		"SATUPINTU_POLICE_API_KEY":          c.PoliceKey,
		"SATUPINTU_SOCIAL_API_KEY":          c.SocialKey,
		"SATUPINTU_BPJS_CONS_ID":            c.BPJSConsID,
		"SATUPINTU_BPJS_SECRET":             c.BPJSSecret,
		"SATUPINTU_BPJS_USER_KEY":           c.BPJSUserKey,
		"SATUPINTU_BPJS_PCARE_USER":         c.BPJSPCareUser,
		"SATUPINTU_BPJS_PCARE_PASSWORD":     c.BPJSPCarePassword,
		"SATUPINTU_SATUSEHAT_CLIENT_ID":     c.SatuSehatClientID,
		"SATUPINTU_SATUSEHAT_CLIENT_SECRET": c.SatuSehatClientSecret,
		// The tests poll every 5 ms, faster than any app: the per-citizen
		// limit (a budget shared through Redis, across restarts) would
		// refuse them. The rate-limit tests set their own.
		"SATUPINTU_RATE_CITIZEN": "off",
		// The tests send their own operations, in no app's manifest; the
		// production default (enforce) is tested on its own.
		"SATUPINTU_TRUSTED_DOCUMENTS": "off",
	}
	for _, a := range []string{"DUKCAPIL", "BPJS", "SATUSEHAT", "EDUCATION", "POLICE", "SOCIAL"} {
		env["SATUPINTU_"+a+"_URL"] = base + "/" + strings.ToLower(a)
	}
	env["SATUPINTU_BPJS_CASE_SECRET"] = c.BPJSCaseSecret
	env["SATUPINTU_EDUCATION_CASE_SECRET"] = c.EducationCaseSecret
	env["SATUPINTU_POLICE_CASE_SECRET"] = c.PoliceCaseSecret
	env["SATUPINTU_SOCIAL_CASE_SECRET"] = c.SocialCaseSecret
	env["SATUPINTU_ADMIN_TOKEN"] = "operator-token-for-tests"
	env["SATUPINTU_PUBLIC_URL"] = "https://satupintu.example"
	env["SATUPINTU_SIGNING_KEYS"] = signing.Dev("production-test").Encode()
	env["REDIS_URL"], env["SATUPINTU_REDIS_PREFIX"] = testRedis(t)
	// A database of the test's own (see pgtest for when there is none).
	env["DATABASE_URL"], env["SATUPINTU_DATA_KEY"] = pgtest.NewDatabase(t), "prod1:"+strings.Repeat("ef", 32)
	creds, err := sb.FCM().ServiceAccountJSON(base + "/fcm/token")
	if err != nil {
		t.Fatal(err)
	}
	env["GOOGLE_APPLICATION_CREDENTIALS"] = t.TempDir() + "/firebase-service-account.json"
	if err := os.WriteFile(env["GOOGLE_APPLICATION_CREDENTIALS"], creds, 0o600); err != nil {
		t.Fatal(err)
	}
	env["SATUPINTU_FCM_ENDPOINT"] = base + "/fcm/v1"
	return env, sb
}

// testRedis is the Redis a test uses: the real server named by REDIS_URL
// (CI) with a prefix of its own, deleted afterwards; miniredis otherwise.
func testRedis(t *testing.T) (url, prefix string) {
	t.Helper()
	prefix = fmt.Sprintf("satupintu-test-%d-%d:", time.Now().UnixNano(), rand.Int())
	url = os.Getenv("REDIS_URL")
	if url == "" {
		return "redis://" + miniredis.RunT(t).Addr(), prefix
	}
	t.Cleanup(func() {
		c, err := storeredis.Connect(context.Background(), url, storeredis.ConnectOptions{})
		if err != nil {
			t.Errorf("cleaning up Redis: %v", err)
			return
		}
		defer c.Close()
		iter := c.Scan(context.Background(), 0, "*"+prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			c.Del(context.Background(), iter.Val())
		}
	})
	return url, prefix
}

func TestProductionModeHasNoDevSurface(t *testing.T) {
	env, sb := productionEnv(t)
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("a complete production configuration was refused: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	a, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	ta := &testApp{app: a, t: t}

	for _, path := range []string{"/dev/citizens", "/dev/sim/stats", "/playground"} {
		resp, err := http.Get(a.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s in production: %d, want 404", path, resp.StatusCode)
		}
	}

	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := ta.post(tok, `{ __schema { types { name } } }`, nil)
	if r.Status == 200 && r.Data != nil && get(r.Data, "__schema") != nil {
		t.Error("introspection answered in production")
	}
	// The real read path works against the configured endpoints.
	r = ta.post(tok, `{ me { name } police { licences { class } } }`, nil)
	if r.Status != 200 || len(r.Errors) != 0 || get(r.Data, "me", "name") != "DEWI LESTARI" {
		t.Errorf("production read: HTTP %d %+v", r.Status, r.Errors)
	}
}

// dbJobs are the jobs of the instances sharing the database at url (with
// data key key), as an operator sees them.
func dbJobs(t *testing.T, url, key string) *postgres.Queue {
	t.Helper()
	keys, err := seal.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), postgres.Config{URL: url, PoolSize: 4, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	q, err := postgres.NewQueue(context.Background(), db, postgres.QueueOptions{JobTimeout: time.Minute, RescueAfter: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// claimAsDeadWorker takes the waiting jobs of kind as a worker that then
// died would have (River's fetch: running, one attempt more, attempted by
// it), an hour ago: past any rescue time, so the next rescue runs them.
func claimAsDeadWorker(t *testing.T, url string, kind queue.Kind) int {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tag, err := c.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = attempt + 1,
		attempted_at = now() - interval '1 hour', attempted_by = array_append(attempted_by, 'doomed-instance')
		WHERE kind = $1 AND state = 'available'`, string(kind))
	if err != nil {
		t.Fatal(err)
	}
	return int(tag.RowsAffected())
}
