package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/apprelease"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/bpjs"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/integrations/police"
	"github.com/satupintu/satupintu/integrations/satusehat"
	"github.com/satupintu/satupintu/integrations/social"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/notifications/fcm"
	"github.com/satupintu/satupintu/payments/simponi"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/signing"
	"github.com/satupintu/satupintu/sim"
	simfcm "github.com/satupintu/satupintu/sim/fcm"
	"github.com/satupintu/satupintu/store"
	"github.com/satupintu/satupintu/store/seal"
)

// Mode is dev (everything embedded) or production.
type Mode string

const (
	ModeDev        Mode = "dev"
	ModeProduction Mode = "production"
)

// Config is every setting of satupintu, from the environment. Secrets are
// tagged json:"-" and never printed.
type Config struct {
	Mode            Mode
	Addr            string
	SimAddr         string // dev: where the embedded simulators listen
	LogLevel        slog.Level
	Instance        string
	ShutdownTimeout time.Duration

	Auth        auth.Config
	DevAudience string // dev: the audience /dev/token mints for

	Agencies  map[sp.Agency]agency.Config
	Dukcapil  dukcapil.Config
	BPJS      bpjs.Config
	SatuSehat satusehat.Config
	Education education.Config
	Police    police.Config
	Social    social.Config

	Limits server.Limits

	// Request rates of /graphql and of the agency webhook; a zero Limit is off.
	RateCitizen       ratelimit.Limit
	RateIP            ratelimit.Limit
	RateWebhookIP     ratelimit.Limit
	TrustProxyHeaders bool
	// Shedding of /graphql requests while the process is saturated:
	// on in production, off in dev unless set.
	Overload       bool
	OverloadLimits server.OverloadConfig

	// The app developer's edge.
	CORSOrigins  []string           // browser origins allowed to call /graphql
	TrustedMode  server.TrustedMode // off in dev, enforce in production unless set
	TrustedFiles []string           // the apps' persisted query manifests
	Releases     apprelease.Policy  // minimum and latest app versions, update URLs

	// Cases.
	PublicURL       string                 // where agencies reach satupintu (webhook callbacks)
	CaseSecrets     map[sp.Agency][][]byte `json:"-"`
	Polled          map[sp.Agency]bool
	ForwardGiveUp   time.Duration
	ForwardBackoff  [2]time.Duration // base, max
	PollInterval    time.Duration
	QueueVisibility time.Duration
	JobTimeout      time.Duration
	AdminToken      string `json:"-"`
	SimStep         time.Duration
	WSOrigins       []string
	WSPing          time.Duration

	// Push notifications.
	FCMProject         string
	FCMCredentials     string        // path of a service-account file
	FCMEndpoint        string        // "" = Google
	FCMAccessToken     string        `json:"-"` // dev: the fake FCM's static token
	FCMTimeout         time.Duration // bounds one FCM request, retries included
	DeviceMaxAge       time.Duration // a device not seen this long gets no pushes
	PushTTL            time.Duration
	PushMaxAttempts    int
	PushBackoff        [2]time.Duration
	PushConcurrency    int
	ForwardConcurrency int
	Workers            bool // run the queue workers (forwarding, dispatch, polling, pushes)
	PushSendLease      time.Duration
	PprofAddr          string // "" = no profiling endpoint

	RedisURL        string `json:"-"`
	RedisPrefix     string
	CacheMaxEntries int
	// CacheTimeout bounds each agency cache lookup and write, apart from the
	// agency's own timeout: a slower cache is a miss.
	CacheTimeout time.Duration
	// Bounds of the memory store: citizens and addresses rate-limited
	// (about 100 bytes each; one pushed out starts again with a full
	// burst), webhook signatures remembered against replays.
	LimiterMaxKeys   int
	ReplayMaxEntries int

	// CacheKey seals cached agency data (AES-GCM) and names entries by an
	// HMAC of the NIK. Dev without one: a random key per process.
	CacheKey []byte `json:"-"`

	// PostgreSQL, the system of record; "" keeps the durable ports in
	// memory (dev).
	DatabaseURL        string `json:"-"`
	DBPoolSize         int
	DBStatementTimeout time.Duration
	// DataKeys seal personal data in PostgreSQL. Dev without any: a fixed,
	// public key (data sealed with it is not protected).
	DataKeys *seal.Keyring `json:"-"`

	// The documents wallet: satupintu's signing keys (credentials, status
	// lists), the registered verifiers, and how long shares, credentials
	// and status lists last.
	SigningKeys   *signing.Keyring     `json:"-"`
	Verifiers     []documents.Verifier `json:"-"`
	ShareTTL      time.Duration
	CredentialTTL time.Duration
	StatusListTTL time.Duration

	// clock is the app's clock, for tests (nil: time.Now): the documents
	// wallet's, the policy's and the mandates', the payments' and the
	// memory job queue's.
	clock func() time.Time

	// Privacy (UU PDP). AccessLog off logs no agency reads of responses
	// (dev only: to measure what the log costs); Retention is how long
	// what satupintu holds is kept. Exports are signed with SigningKeys.
	AccessLog bool
	Retention privacy.Retention

	// Payments: fees paid in the app (on unless SATUPINTU_PAYMENTS=off):
	// the payment gateway (SNAP), the treasury's billing (SIMPONI), how
	// long a bill lasts, when the gateway is asked about a bill no
	// notification settled, and the notifications' timestamp tolerance.
	Payments              bool
	SNAP                  snap.Config
	Simponi               simponi.Config
	PaymentValidity       time.Duration
	PaymentReconcileAfter time.Duration
	PaymentReconcileEvery time.Duration
	PaymentTolerance      time.Duration
}

// agencyDefaults are the per-agency settings unless configured: registry
// data changes rarely, payments and tickets often.
func agencyDefaults(a sp.Agency) agency.Config {
	c := agency.Defaults()
	switch a {
	case sp.AgencyDukcapil, sp.AgencyEducation:
		c.DefaultTTL = 6 * time.Hour
	case sp.AgencyBPJS, sp.AgencySatuSehat:
		c.DefaultTTL = time.Hour
	case sp.AgencyPolice:
		c.DefaultTTL = 15 * time.Minute
	case sp.AgencySocial:
		c.DefaultTTL = 10 * time.Minute
	}
	return c
}

// defaultConfig is the configuration before the environment is read: the
// one place satupintu's defaults live. The workers and clients it
// configures have none of their own; dev mode changes a few (devSettings).
func defaultConfig() Config {
	c := Config{
		Mode:               ModeDev,
		Addr:               ":8080",
		SimAddr:            "127.0.0.1:0",
		LogLevel:           slog.LevelInfo,
		ShutdownTimeout:    15 * time.Second,
		Auth:               auth.Config{}.WithDefaults(),
		Agencies:           map[sp.Agency]agency.Config{},
		Limits:             server.DefaultLimits(),
		RateCitizen:        ratelimit.Limit{Rate: 120, Period: time.Minute, Burst: 40},
		RateIP:             ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 200},
		RateWebhookIP:      ratelimit.Limit{Rate: 6000, Period: time.Minute, Burst: 2000},
		Overload:           true,
		OverloadLimits:     server.DefaultOverloadConfig(),
		DevAudience:        "satupintu-app",
		RedisPrefix:        "satupintu:",
		CacheMaxEntries:    100_000,
		CacheTimeout:       100 * time.Millisecond,
		LimiterMaxKeys:     100_000,
		ReplayMaxEntries:   1 << 20,
		CaseSecrets:        map[sp.Agency][][]byte{},
		Polled:             map[sp.Agency]bool{sp.AgencyEducation: true},
		ForwardGiveUp:      24 * time.Hour,
		ForwardBackoff:     [2]time.Duration{time.Second, 5 * time.Minute},
		PollInterval:       30 * time.Second,
		QueueVisibility:    30 * time.Second,
		JobTimeout:         5 * time.Minute,
		SimStep:            2 * time.Second,
		FCMTimeout:         fcm.DefaultTimeout,
		DeviceMaxAge:       notifications.DefaultDeviceMaxAge,
		PushTTL:            72 * time.Hour,
		PushMaxAttempts:    8,
		PushBackoff:        [2]time.Duration{time.Second, 32 * time.Second},
		PushConcurrency:    200,
		ForwardConcurrency: 16,
		Workers:            true,
		PushSendLease:      30 * time.Second,
		WSPing:             25 * time.Second,
		DBPoolSize:         20,
		DBStatementTimeout: 5 * time.Second,
		TrustedMode:        server.TrustedOff,
		ShareTTL:           documents.DefaultShareTTL,
		CredentialTTL:      documents.DefaultCredentialTTL,
		StatusListTTL:      documents.DefaultStatusTTL,
		AccessLog:          true,
		Retention:          privacy.DefaultRetention(),

		Payments:              true,
		PaymentValidity:       7 * 24 * time.Hour,
		PaymentReconcileAfter: 15 * time.Minute,
		PaymentReconcileEvery: time.Hour,
		PaymentTolerance:      5 * time.Minute,
		Simponi:               simponi.Config{KodeKL: "060", KodeSatker: "000000", JenisPNBP: "PNBP-POLRI"},
	}
	if h, err := os.Hostname(); err == nil {
		c.Instance = h
	}
	for _, a := range sp.Agencies {
		c.Agencies[a] = agencyDefaults(a)
	}
	return c
}

// loadConfig reads the environment (and the optional file), fills what dev
// mode takes from the sandbox, and validates the result in one pass: it
// reports every problem at once, each naming its variable, and warns about
// SATUPINTU_ variables it does not know (a typo would otherwise be
// silently ignored).
func loadConfig(getenv func(string) string, environ []string) (Config, []string, error) {
	c := defaultConfig()
	var errs []error
	known := map[string]bool{}
	vs := variables()
	fromFile := map[string]bool{}
	if path := strings.TrimSpace(getenv("SATUPINTU_CONFIG_FILE")); path != "" {
		names, err := applyFile(&c, path)
		if err != nil {
			errs = append(errs, fmt.Errorf("SATUPINTU_CONFIG_FILE: %w", err))
		}
		for _, n := range names {
			fromFile[n] = true
		}
	}
	for _, v := range vs {
		known[v.name] = true
		val := strings.TrimSpace(getenv(v.name))
		if val == "" {
			continue
		}
		if err := v.set(&c, val); err != nil {
			shown := val
			if v.secret {
				shown = "***"
			}
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.name, shown, err))
		}
	}
	given := func(name string) bool { return strings.TrimSpace(getenv(name)) != "" || fromFile[name] }
	if c.Mode == ModeDev {
		c.devSettings(given)
	}
	// Production runs only the apps' own operations unless told otherwise.
	if c.Mode == ModeProduction && !given("SATUPINTU_TRUSTED_DOCUMENTS") {
		c.TrustedMode = server.TrustedEnforce
	}
	if c.FCMCredentials != "" && c.FCMProject == "" {
		project, err := projectOf(c.FCMCredentials)
		if err != nil {
			errs = append(errs, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: %w (or set GOOGLE_CLOUD_PROJECT)", err))
		}
		c.FCMProject = project
	}

	// What is checked: in dev, the endpoints as devEndpoints will fill them
	// once the sandbox listens (only the ports differ); in production, a
	// missing setting is reported once, by name, and the checks see a
	// well-formed stand-in for it, so they report only what else is wrong.
	check := c.clone()
	var missing []string
	switch c.Mode {
	case ModeDev:
		check.devEndpoints("http://"+c.SimAddr, "http://"+c.Addr)
	case ModeProduction:
		for _, v := range vs {
			if v.required && !given(v.name) {
				missing = append(missing, v.name)
				_ = v.set(&check, "https://unset.invalid/stand-in")
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("production mode needs these settings: %s", strings.Join(missing, ", ")))
		}
	}
	errs = append(errs, check.validate()...)

	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "SATUPINTU_") && !known[name] && !ignoredEnv[name] && getenv(name) != "" {
			warnings = append(warnings, fmt.Sprintf("unknown setting %s ignored", name))
		}
	}
	return c, warnings, errors.Join(errs...)
}

// devSettings fills what dev mode takes for every setting not given: the
// sandbox's fixed credentials, the audience /dev/token mints for, a poll
// every 2s, a random cache key, and no rate limits (dev traffic, load
// tests included, comes from one loopback address).
func (c *Config) devSettings(given func(name string) bool) {
	for name, l := range map[string]*ratelimit.Limit{"SATUPINTU_RATE_CITIZEN": &c.RateCitizen, "SATUPINTU_RATE_IP": &c.RateIP,
		"SATUPINTU_RATE_WEBHOOK_IP": &c.RateWebhookIP} {
		if !given(name) {
			*l = ratelimit.Limit{}
		}
	}
	if !given("SATUPINTU_POLL_INTERVAL") {
		c.PollInterval = 2 * time.Second
	}
	if !given("SATUPINTU_OVERLOAD") {
		c.Overload = false // a developer's sandbox is never the bottleneck; load tests turn it on
	}
	if len(c.CacheKey) == 0 {
		c.CacheKey = make([]byte, 32)
		_, _ = rand.Read(c.CacheKey)
	}
	if c.DataKeys == nil {
		// Fixed, so that a dev database stays readable across restarts.
		c.DataKeys = devDataKeys
	}
	if c.SigningKeys == nil {
		// Public and fixed: a restarted dev server still verifies what it
		// signed before.
		c.SigningKeys = signing.Dev("issuer")
	}
	if !slices.ContainsFunc(c.Verifiers, func(v documents.Verifier) bool { return v.ID == documents.SandboxVerifier().ID }) {
		c.Verifiers = append(slices.Clone(c.Verifiers), documents.SandboxVerifier())
	}
	creds := sim.DevCredentials()
	or := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	or(&c.Dukcapil.APIKey, creds.DukcapilKey)
	or(&c.Education.APIKey, creds.EducationKey)
	or(&c.Police.APIKey, creds.PoliceKey)
	or(&c.Social.APIKey, creds.SocialKey)
	or(&c.BPJS.ConsID, creds.BPJSConsID)
	or(&c.BPJS.Secret, creds.BPJSSecret)
	or(&c.BPJS.UserKey, creds.BPJSUserKey)
	or(&c.BPJS.PCareUser, creds.BPJSPCareUser)
	or(&c.BPJS.PCarePassword, creds.BPJSPCarePassword)
	or(&c.SatuSehat.ClientID, creds.SatuSehatClientID)
	or(&c.SatuSehat.ClientSecret, creds.SatuSehatClientSecret)
	for ag, secret := range map[sp.Agency]string{sp.AgencyBPJS: creds.BPJSCaseSecret, sp.AgencyEducation: creds.EducationCaseSecret,
		sp.AgencyPolice: creds.PoliceCaseSecret, sp.AgencySocial: creds.SocialCaseSecret} {
		if c.CaseSecrets[ag] == nil {
			c.CaseSecrets[ag] = [][]byte{[]byte(secret)}
		}
	}
	or(&c.Auth.Audience, c.DevAudience)
	or(&c.SNAP.ClientID, creds.SNAPClientID)
	or(&c.SNAP.ClientSecret, creds.SNAPClientSecret)
	or(&c.SNAP.PartnerServiceID, sim.SNAPPartnerServiceID)
	or(&c.Simponi.User, creds.SimponiUser)
	or(&c.Simponi.Password, creds.SimponiPassword)
	if c.SNAP.PrivateKey == nil {
		c.SNAP.PrivateKey, _ = sim.ParseRSAKey(creds.SNAPClientKey)
	}
	if c.SNAP.GatewayKey == nil {
		if k, err := sim.ParseRSAKey(creds.SNAPGatewayKey); err == nil {
			c.SNAP.GatewayKey = &k.PublicKey
		}
	}
}

// devEndpoints points every endpoint not given at the sandbox served at
// sandboxURL (its identity provider at /idp, the fake FCM unless a
// service-account file is given), and the agencies' callbacks at selfURL.
func (c *Config) devEndpoints(sandboxURL, selfURL string) {
	for _, ag := range sp.Agencies {
		ac := c.Agencies[ag]
		if ac.BaseURL == "" {
			ac.BaseURL = sandboxURL + "/" + string(ag)
		}
		c.Agencies[ag] = ac
	}
	if c.Auth.Issuer == "" {
		c.Auth.Issuer = sandboxURL + "/idp"
	}
	if c.PublicURL == "" {
		c.PublicURL = selfURL
	}
	if c.FCMCredentials == "" {
		c.FCMProject, c.FCMEndpoint, c.FCMAccessToken = simfcm.DevProjectID, sandboxURL+"/fcm/v1", simfcm.DevAccessToken
	}
	if c.SNAP.BaseURL == "" {
		c.SNAP.BaseURL = sandboxURL + "/snap"
	}
	if c.Simponi.BaseURL == "" {
		c.Simponi.BaseURL = sandboxURL + "/simponi"
	}
}

// clone is c with maps of its own, so that filling it leaves c as it was.
func (c Config) clone() Config {
	c.Agencies = maps.Clone(c.Agencies)
	c.CaseSecrets = maps.Clone(c.CaseSecrets)
	c.Polled = maps.Clone(c.Polled)
	c.Releases.Minimum = maps.Clone(c.Releases.Minimum)
	c.Releases.Latest = maps.Clone(c.Releases.Latest)
	c.Releases.UpdateURL = maps.Clone(c.Releases.UpdateURL)
	c.Verifiers = slices.Clone(c.Verifiers)
	return c
}

// storeConfig is the state's share of the configuration.
func (c Config) storeConfig() store.Config {
	return store.Config{
		RedisURL: c.RedisURL,
		Prefix:   c.RedisPrefix,
		// Every instance derives the same secret from the shared cache key.
		CitizenKeySecret: derive(c.CacheKey, "redis citizen keys"),
		Instance:         c.Instance,
		QueueVisibility:  c.QueueVisibility,
		JobTimeout:       c.JobTimeout,
		QueueIdle:        queueIdle,
		Now:              c.clock,
		CacheMaxEntries:  c.CacheMaxEntries,
		APQMaxEntries:    c.Limits.QueryCacheSize,
		LimiterMaxKeys:   c.LimiterMaxKeys,
		ReplayMaxEntries: c.ReplayMaxEntries,

		DatabaseURL:        c.DatabaseURL,
		DBPoolSize:         c.DBPoolSize,
		DBStatementTimeout: c.DBStatementTimeout,
		DataKeys:           c.DataKeys,
	}
}

// queueIdle is how long an idle job runner waits before it looks for due
// jobs again (doubling while idle, up to four times): the latency a job
// may wait at most when the queue was empty.
const queueIdle = 20 * time.Millisecond

// devDataKeys is dev mode's data key: public, it protects nothing.
var devDataKeys = func() *seal.Keyring {
	sum := sha256.Sum256([]byte("satupintu dev data key: public, never for production"))
	r, err := seal.Parse("dev:" + hex.EncodeToString(sum[:]))
	if err != nil {
		panic(err)
	}
	return r
}()

// derive is a key for one purpose, derived from key.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// projectOf reads project_id from a service-account file.
func projectOf(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var f struct {
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal(b, &f); err != nil || f.ProjectID == "" {
		return "", fmt.Errorf("%s is not a service-account file with a project_id", path)
	}
	return f.ProjectID, nil
}

// ignoredEnv are SATUPINTU_ variables read elsewhere.
var ignoredEnv = map[string]bool{}

// caseAgencies are the agencies that receive cases.
var caseAgencies = []sp.Agency{sp.AgencyBPJS, sp.AgencyEducation, sp.AgencyPolice, sp.AgencySocial}
