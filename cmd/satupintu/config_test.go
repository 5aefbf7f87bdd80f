package main

import (
	"github.com/satupintu/satupintu/payments/simponi"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim"
)

// Every default satupintu runs with is here: the workers and clients have
// none of their own. Changing one is a change for operators; this pins all.
func TestDefaultConfigIsPinned(t *testing.T) {
	hostname, _ := os.Hostname()
	agencies := map[sp.Agency]agency.Config{}
	for a, ttl := range map[sp.Agency]time.Duration{sp.AgencyDukcapil: 6 * time.Hour, sp.AgencyEducation: 6 * time.Hour,
		sp.AgencyBPJS: time.Hour, sp.AgencySatuSehat: time.Hour, sp.AgencyPolice: 15 * time.Minute, sp.AgencySocial: 10 * time.Minute} {
		agencies[a] = agency.Config{Timeout: 2 * time.Second, AttemptTimeout: 800 * time.Millisecond, Retries: 2,
			BackoffBase: 25 * time.Millisecond, BackoffMax: 400 * time.Millisecond, BreakerFailures: 5, BreakerOpenFor: 10 * time.Second,
			MaxConcurrent: 256, DefaultTTL: ttl, StaleFor: 24 * time.Hour}
	}
	want := Config{
		Mode: ModeDev, Addr: ":8080", SimAddr: "127.0.0.1:0", LogLevel: slog.LevelInfo, Instance: hostname,
		ShutdownTimeout: 15 * time.Second,
		Auth:            auth.Config{Algorithms: []string{"ES256", "RS256"}, NIKClaim: "nik", Leeway: 30 * time.Second, MaxLifetime: 24 * time.Hour},
		DevAudience:     "satupintu-app",
		Agencies:        agencies,
		Limits: server.Limits{MaxBodyBytes: 64 << 10, MaxDepth: 12, MaxAliases: 30, MaxFields: 500, MaxComplexity: 600,
			MaxTokens: 10_000, QueryCacheSize: 1000, HeaderTimeout: 10 * time.Second, BodyTimeout: 10 * time.Second},
		RateCitizen:   ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 40},
		RateIP:        ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 200},
		RateWebhookIP: ratelimit.Limit{Rate: 6000, Period: time.Minute, Burst: 2000},
		Overload:      true,
		OverloadLimits: server.OverloadConfig{MinLimit: 16, InitialLimit: 64, MaxLimit: 1000, Latency: 4 * time.Millisecond,
			Window: 100 * time.Millisecond, RetryAfter: time.Second},
		CaseSecrets:     map[sp.Agency][][]byte{},
		Polled:          map[sp.Agency]bool{sp.AgencyEducation: true},
		ForwardGiveUp:   24 * time.Hour,
		ForwardBackoff:  [2]time.Duration{time.Second, 5 * time.Minute},
		PollInterval:    30 * time.Second,
		QueueVisibility: 30 * time.Second,
		JobTimeout:      5 * time.Minute,
		SimStep:         2 * time.Second,
		WSPing:          25 * time.Second,
		TrustedMode:     server.TrustedOff,
		FCMTimeout:      10 * time.Second,
		DeviceMaxAge:    60 * 24 * time.Hour,
		PushTTL:         72 * time.Hour, PushMaxAttempts: 8, PushBackoff: [2]time.Duration{time.Second, 32 * time.Second},
		PushConcurrency: 200, ForwardConcurrency: 16, Workers: true, PushSendLease: 30 * time.Second,
		RedisPrefix: "satupintu:", CacheMaxEntries: 100_000, CacheTimeout: 100 * time.Millisecond, LimiterMaxKeys: 100_000, ReplayMaxEntries: 1 << 20,
		DBPoolSize: 20, DBStatementTimeout: 5 * time.Second,
		ShareTTL: 180 * time.Second, CredentialTTL: 24 * time.Hour, StatusListTTL: 5 * time.Minute,
		AccessLog: true, Retention: privacy.Retention{AccessLog: privacy.Period{Years: 5}, Inbox: privacy.Period{Years: 1},
			ClosedCases: privacy.Period{Years: 2}},
		Payments: true, PaymentValidity: 7 * 24 * time.Hour, PaymentReconcileAfter: 15 * time.Minute, PaymentReconcileEvery: time.Hour,
		PaymentTolerance: 5 * time.Minute, Simponi: simponi.Config{KodeKL: "060", KodeSatker: "000000", JenisPNBP: "PNBP-POLRI"},
	}
	if got := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults changed:\n got %+v\nwant %+v", got, want)
	}
}

// Dev mode fills what it takes from the sandbox before validating: its
// fixed credentials now, its endpoints once it listens. A setting given
// wins over the sandbox's.
func TestDevSettings(t *testing.T) {
	env := map[string]string{"SATUPINTU_POLICE_API_KEY": "my-own-key", "SATUPINTU_POLL_INTERVAL": "5s"}
	c, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := sim.DevCredentials()
	if c.Police.APIKey != "my-own-key" || c.Dukcapil.APIKey != creds.DukcapilKey || c.BPJS.Secret != creds.BPJSSecret ||
		string(c.CaseSecrets[sp.AgencyPolice][0]) != creds.PoliceCaseSecret || c.Auth.Audience != "satupintu-app" {
		t.Errorf("dev credentials: %+v", c)
	}
	if c.PollInterval != 5*time.Second || len(c.CacheKey) != 32 || !c.RateCitizen.IsZero() {
		t.Errorf("dev settings: poll %s, cache key %d bytes, citizen rate %v", c.PollInterval, len(c.CacheKey), c.RateCitizen)
	}
	if c, _, _ := loadConfig(func(string) string { return "" }, nil); c.PollInterval != 2*time.Second || c.Overload {
		t.Errorf("dev poll interval %s, want 2s; shedding %v, want off", c.PollInterval, c.Overload)
	}
	on := map[string]string{"SATUPINTU_OVERLOAD": "on", "SATUPINTU_OVERLOAD_LIMITS": "4, 8,32", "SATUPINTU_OVERLOAD_LATENCY": "2ms",
		"SATUPINTU_OVERLOAD_QUEUE": "5ms"}
	if c, _, err := loadConfig(func(k string) string { return on[k] }, nil); err != nil || !c.Overload ||
		c.OverloadLimits.MinLimit != 4 || c.OverloadLimits.InitialLimit != 8 || c.OverloadLimits.MaxLimit != 32 || c.OverloadLimits.Latency != 2*time.Millisecond ||
		c.OverloadLimits.QueueWait != 5*time.Millisecond {
		t.Errorf("shedding turned on in dev: %v %+v (%v)", c.Overload, c.OverloadLimits, err)
	}
	// The endpoints wait for the sandbox's address.
	if c.Agencies[sp.AgencyPolice].BaseURL != "" || c.Auth.Issuer != "" || c.PublicURL != "" {
		t.Errorf("endpoints filled before the sandbox listens: %+v", c)
	}
	c.devEndpoints("http://127.0.0.1:4000", "http://127.0.0.1:8080")
	if c.Agencies[sp.AgencyPolice].BaseURL != "http://127.0.0.1:4000/police" || c.Auth.Issuer != "http://127.0.0.1:4000/idp" ||
		c.PublicURL != "http://127.0.0.1:8080" || c.FCMEndpoint != "http://127.0.0.1:4000/fcm/v1" {
		t.Errorf("dev endpoints: %+v", c)
	}
}

// One pass reports every problem of a start at once: values that do not
// parse, values that do not fit together, and settings of the clients,
// each naming its variables; in dev mode the settings dev fills are
// checked too.
func TestOneValidationPassReportsEverything(t *testing.T) {
	env := map[string]string{
		"SATUPINTU_POLICE_TIMEOUT":         "soon",
		"SATUPINTU_POLL_INTERVAL":          "0s",
		"SATUPINTU_EDUCATION_RETRIES":      "11",
		"SATUPINTU_AUTH_ALGORITHMS":        "HS256",
		"SATUPINTU_PUSH_SEND_LEASE":        "12s",
		"SATUPINTU_FORWARD_BACKOFF_BASE":   "10m",
		"SATUPINTU_SOCIAL_ATTEMPT_TIMEOUT": "9s",
		"SATUPINTU_DUKCAPIL_URL":           "ftp://dukcapil.example",
		"SATUPINTU_OVERLOAD":               "maybe",
		"SATUPINTU_OVERLOAD_LIMITS":        "64,16,1000",
		"SATUPINTU_OVERLOAD_LATENCY":       "1ns",
		"SATUPINTU_OVERLOAD_QUEUE":         "-1ms",
	}
	_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"SATUPINTU_POLICE_TIMEOUT", "SATUPINTU_POLL_INTERVAL", "SATUPINTU_EDUCATION_*",
		"SATUPINTU_AUTH_*", "SATUPINTU_PUSH_SEND_LEASE", "SATUPINTU_FORWARD_BACKOFF_BASE", "SATUPINTU_SOCIAL_*", "SATUPINTU_DUKCAPIL_*",
		"SATUPINTU_OVERLOAD=", "SATUPINTU_OVERLOAD_LIMITS", "SATUPINTU_OVERLOAD_LATENCY", "SATUPINTU_OVERLOAD_QUEUE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the refusal does not name %s:\n%v", name, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != len(env) {
		t.Errorf("%d problems reported for %d bad settings:\n%v", n, len(env), err)
	}
}

// In production a missing setting is named once, and what else is wrong is
// reported beside it, not hidden behind it.
func TestProductionReportsMissingOnceAndTheRest(t *testing.T) {
	env := map[string]string{"SATUPINTU_MODE": "production", "SATUPINTU_POLICE_ATTEMPT_TIMEOUT": "9s",
		"SATUPINTU_AUTH_ALGORITHMS": "HS256"}
	_, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err == nil {
		t.Fatal("production started without its settings")
	}
	msg := err.Error()
	for _, name := range []string{"SATUPINTU_AUTH_ISSUER", "SATUPINTU_POLICE_URL", "SATUPINTU_BPJS_CASE_SECRET", "SATUPINTU_DUKCAPIL_API_KEY"} {
		if n := strings.Count(msg, name); n != 1 {
			t.Errorf("%s named %d times, want once:\n%s", name, n, msg)
		}
	}
	for _, want := range []string{`"HS256" not allowed`, "agency police: attempt timeout"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal hides %q:\n%s", want, msg)
		}
	}
}
