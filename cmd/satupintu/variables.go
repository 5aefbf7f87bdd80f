package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/apprelease"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/ratelimit"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/signing"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/store/postgres"
	"github.com/satupintu/satupintu/store/seal"
)

// variable is one environment variable: its default, what it means, and
// whether production must set it.
type variable struct {
	name     string
	pattern  string // the name as documented when one entry covers every agency
	def      string
	help     string
	required bool // in production
	secret   bool
	set      func(c *Config, v string) error
}

func envName(a sp.Agency, suffix string) string {
	return "SATUPINTU_" + strings.ToUpper(string(a)) + "_" + suffix
}

// documented is the name the README lists the variable under.
func (v variable) documented() string {
	if v.pattern != "" {
		return v.pattern
	}
	return v.name
}

// variables lists every setting. The README's configuration table is
// checked against it by a test.
func variables() []variable {
	vs := []variable{
		{name: "SATUPINTU_MODE", def: "dev", help: "dev (embedded simulators, dev identity provider, /dev/* helpers, introspection) or production",
			set: func(c *Config, v string) error {
				switch Mode(v) {
				case ModeDev, ModeProduction:
					c.Mode = Mode(v)
					return nil
				}
				return fmt.Errorf("must be dev or production")
			}},
		{name: "SATUPINTU_CONFIG_FILE", def: "none", help: "optional JSON file of per-agency settings (see README); variables override it",
			set: func(c *Config, v string) error { return nil }}, // read first, in loadConfig
		{name: "SATUPINTU_ADDR", def: ":8080", help: "address the HTTP server listens on", set: func(c *Config, v string) error { c.Addr = v; return nil }},
		{name: "SATUPINTU_SIM_ADDR", def: "127.0.0.1:0", help: "dev: address of the embedded simulators (agencies, identity provider)", set: func(c *Config, v string) error { c.SimAddr = v; return nil }},
		{name: "SATUPINTU_LOG_LEVEL", def: "info", help: "debug, info, warn or error", set: func(c *Config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
		{name: "SATUPINTU_INSTANCE", def: "hostname", help: "this instance's name, sent to agencies as X-Road-Client", set: func(c *Config, v string) error { c.Instance = v; return nil }},
		{name: "SATUPINTU_SHUTDOWN_TIMEOUT", def: "15s", help: "how long SIGTERM waits for requests in flight", set: duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},

		{name: "SATUPINTU_AUTH_ISSUER", def: "dev identity provider", required: true, help: "token issuer (iss), the identity provider's URL (INApas)", set: func(c *Config, v string) error { c.Auth.Issuer = v; return nil }},
		{name: "SATUPINTU_AUTH_JWKS_URL", def: "discovered from the issuer", help: "JWKS URL; empty: from the issuer's /.well-known/openid-configuration", set: func(c *Config, v string) error { c.Auth.JWKSURL = v; return nil }},
		{name: "SATUPINTU_AUTH_AUDIENCE", def: "satupintu-app (dev)", required: true, help: "audience (aud) the tokens must carry: satupintu's client id", set: func(c *Config, v string) error { c.Auth.Audience = v; return nil }},
		{name: "SATUPINTU_AUTH_ALGORITHMS", def: "ES256,RS256", help: "accepted token algorithms, asymmetric only", set: func(c *Config, v string) error {
			c.Auth.Algorithms = splitList(v)
			return nil
		}},
		{name: "SATUPINTU_AUTH_NIK_CLAIM", def: "nik", help: "the token claim that carries the citizen's NIK", set: func(c *Config, v string) error { c.Auth.NIKClaim = v; return nil }},
		{name: "SATUPINTU_AUTH_LEEWAY", def: "30s", help: "clock skew tolerated on exp/nbf", set: duration(func(c *Config) *time.Duration { return &c.Auth.Leeway })},
		{name: "SATUPINTU_AUTH_MAX_TOKEN_LIFETIME", def: "24h", help: "longest token lifetime (exp - iat) accepted; tokens without iat are refused", set: duration(func(c *Config) *time.Duration { return &c.Auth.MaxLifetime })},

		{name: "SATUPINTU_CACHE_KEY", def: "random per process (dev)", required: true, secret: true, help: "hex, 32 bytes: seals cached agency data and keys the GraphQL ids; the same on every instance", set: func(c *Config, v string) error {
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 32 {
				return fmt.Errorf("must be 64 hex digits (32 bytes)")
			}
			c.CacheKey = b
			return nil
		}},

		{name: "REDIS_URL", def: "none: kept in each instance's memory, caseUpdated over PostgreSQL", secret: true, help: "optional Redis for what may be lost and rebuilt, shared by the instances: the agency read cache, persisted queries, rate limits, the webhook replay guard and the caseUpdated fan-out: redis://[:password@]host:port/db, rediss:// (TLS), redis-sentinel://h1:p1,h2:p2/db?master=NAME, redis-cluster://h1:p1,h2:p2",
			set: func(c *Config, v string) error { c.RedisURL = v; return nil }},
		{name: "SATUPINTU_REDIS_PREFIX", def: "satupintu:", help: "prefix of every Redis key (several deployments may share a Redis)",
			set: func(c *Config, v string) error { c.RedisPrefix = v; return nil }},
		{name: "DATABASE_URL", def: "none: memory store (dev)", required: true, secret: true, help: "PostgreSQL, the system of record: cases and their history, the background jobs (River), the inbox, devices, push deliveries, the access log, consents, data exports and document shares: postgres://user:password@host:5432/database?sslmode=require; its schema is migrated at start (see satupintu migrate)",
			set: func(c *Config, v string) error {
				if err := postgres.CheckURL(v); err != nil {
					return err
				}
				c.DatabaseURL = v
				return nil
			}},
		{name: "SATUPINTU_DB_POOL_SIZE", def: "20", help: "most PostgreSQL connections of one instance's pool, at least 4: River holds one (LISTEN) and takes up to one per job kind to fetch and complete jobs; requests and job handlers share the rest, waiting for a free one. Without Redis, caseUpdated listens on one more, outside the pool: instances × (this + 1) must stay below the server's max_connections",
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 4 {
					return fmt.Errorf("must be a whole number of at least 4 (River holds one connection and fetches on others)")
				}
				c.DBPoolSize = n
				return nil
			}},
		{name: "SATUPINTU_DB_STATEMENT_TIMEOUT", def: "5s", help: "a PostgreSQL statement running longer is cancelled and the request answers UNAVAILABLE; 0: the server's setting (migrations run without it)",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 {
					return fmt.Errorf("must be a duration such as 5s, or 0 for the server's setting")
				}
				c.DBStatementTimeout = d
				return nil
			}},
		{name: "SATUPINTU_DATA_KEY", def: "a public key (dev)", required: true, secret: true, help: "hex, 32 bytes, optionally after an id and a colon (2026a:9f0c…): seals NIKs, device tokens and notification texts in PostgreSQL and keys their lookups; the same on every instance. Several, comma-separated, during a rotation: the first seals, all open (add the new key last everywhere, then move it first); keep every key the database has used (it refuses to start without one)",
			set: func(c *Config, v string) error {
				r, err := seal.Parse(v)
				if err != nil {
					return err
				}
				c.DataKeys = r
				return nil
			}},
		{name: "SATUPINTU_ACCESS_LOG", def: "on", help: "on: every agency read a response makes is in the citizen's access log before the response is sent; off (dev only) logs none, to measure what the log costs",
			set: func(c *Config, v string) error {
				switch v {
				case "on", "off":
					c.AccessLog = v == "on"
					return nil
				}
				return fmt.Errorf("must be on or off")
			}},
		{name: "SATUPINTU_RETENTION_ACCESS_LOG", def: "5y", help: "how long the access log keeps an entry, at least 1y (y, mo, d: 5y, 1y6mo); whole months are dropped, so up to a month more",
			set: period(func(c *Config) *privacy.Period { return &c.Retention.AccessLog })},
		{name: "SATUPINTU_RETENTION_INBOX", def: "1y", help: "how long a notification stays in the inbox",
			set: period(func(c *Config) *privacy.Period { return &c.Retention.Inbox })},
		{name: "SATUPINTU_RETENTION_CLOSED_CASES", def: "2y", help: "how long a completed, rejected or cancelled case is kept after its last change (open cases are kept)",
			set: period(func(c *Config) *privacy.Period { return &c.Retention.ClosedCases })},
		{name: "SATUPINTU_CACHE_MAX_ENTRIES", def: "100000", help: "memory store: most cached agency reads kept (least recently used go first)",
			set: intVar(func(c *Config) *int { return &c.CacheMaxEntries })},
		{name: "SATUPINTU_CACHE_TIMEOUT", def: "100ms", help: "budget of one agency cache lookup or write, apart from the agency's timeout: a cache (Redis) slower than this, or failing, is a miss and the agency is asked; never counted against the agency",
			set: positive(func(c *Config) *time.Duration { return &c.CacheTimeout })},
		{name: "SATUPINTU_PUBLIC_URL", def: "this server's URL (dev)", required: true, help: "the base URL agencies reach satupintu at (their webhook callbacks go to <url>/agency/v1/cases/{id}/events)",
			set: func(c *Config, v string) error {
				if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
					return fmt.Errorf("must be an absolute http(s) URL")
				}
				c.PublicURL = strings.TrimRight(v, "/")
				return nil
			}},
		{name: "SATUPINTU_SIGNING_KEYS", def: "a public key (dev)", required: true, secret: true, help: "satupintu's own ES256 keys, published at /.well-known/jwks.json and in the credential issuer's metadata: they sign the documents' credentials and status lists and citizens' data exports: <kid>:<base64 PKCS#8 P-256 private key>, comma-separated, the signing key first (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER | base64 -w0); keep a retired key listed (published in the issuer's JWKS) while credentials it signed live (SATUPINTU_CREDENTIAL_TTL)",
			set: func(c *Config, v string) error {
				r, err := signing.Parse(v)
				if err != nil {
					return err
				}
				c.SigningKeys = r
				return nil
			}},
		{name: "SATUPINTU_VERIFIERS", def: "none (dev: the sandbox verifier)", secret: true, help: `the organisations that may verify shared documents, JSON: [{"id":"bank-x","name":"Bank X","secrets":["…"],"purposes":["account-opening"],"claims":["name","birthdate","age_over_17"]}]; several secrets during a rotation (see README, Documents)`,
			set: func(c *Config, v string) error {
				var vs []documents.Verifier
				dec := json.NewDecoder(strings.NewReader(v))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&vs); err != nil {
					return fmt.Errorf("must be a JSON array of verifiers (id, name, secrets, purposes, claims): %v", redactJSONError(err))
				}
				if err := documents.ValidateVerifiers(vs); err != nil {
					return err
				}
				c.Verifiers = vs
				return nil
			}},
		{name: "SATUPINTU_PAYMENTS", def: "on", help: "on: a service whose fee is paid in the app before forwarding (SKCK, SIM renewal) waits in AWAITING_PAYMENT with a treasury bill until paid through the gateway, then is forwarded; one whose fee is due after approval (a new SIM) awaits payment once approved and is completed when paid; off: forwarded at once, the fee paid at the agency. On needs the SNAP and SIMPONI settings: dev uses the sandbox's (pay with POST /dev/pay), production refuses to start naming those missing",
			set: func(c *Config, v string) error {
				switch v {
				case "on", "off":
					c.Payments = v == "on"
					return nil
				}
				return fmt.Errorf("must be on or off")
			}},
		{name: "SATUPINTU_SNAP_URL", def: "none (dev: the sandbox gateway)", help: "the payment gateway's SNAP base URL (its /v1.0/... endpoints under it)",
			set: func(c *Config, v string) error { c.SNAP.BaseURL = strings.TrimRight(v, "/"); return checkURL(v) }},
		{name: "SATUPINTU_SNAP_CLIENT_ID", def: "none (dev: the sandbox's)", help: "satupintu's client id at the gateway: X-CLIENT-KEY and X-PARTNER-ID",
			set: func(c *Config, v string) error { c.SNAP.ClientID = v; return nil }},
		{name: "SATUPINTU_SNAP_CLIENT_SECRET", def: "none (dev: the sandbox's)", secret: true, help: "the gateway's client secret: the HMAC-SHA512 key of every transaction's X-SIGNATURE",
			set: func(c *Config, v string) error { c.SNAP.ClientSecret = v; return nil }},
		{name: "SATUPINTU_SNAP_PRIVATE_KEY_FILE", def: "none (dev: the sandbox's)", help: "PEM file of satupintu's RSA private key signing the access-token requests (SHA256withRSA); the gateway holds its public half",
			set: func(c *Config, v string) error {
				raw, err := os.ReadFile(v)
				if err != nil {
					return err
				}
				c.SNAP.PrivateKey, err = parseRSAPrivate(raw)
				return err
			}},
		{name: "SATUPINTU_SNAP_GATEWAY_KEY_FILE", def: "none (dev: the sandbox's)", help: "PEM file of the gateway's RSA public key verifying its payment notifications",
			set: func(c *Config, v string) error {
				raw, err := os.ReadFile(v)
				if err != nil {
					return err
				}
				c.SNAP.GatewayKey, err = parseRSAPublic(raw)
				return err
			}},
		{name: "SATUPINTU_SNAP_PARTNER_SERVICE_ID", def: "none (dev: \"   88899\")", help: "the virtual-account prefix the gateway assigned, 8 characters left-padded with spaces",
			set: func(c *Config, v string) error { c.SNAP.PartnerServiceID = fmt.Sprintf("%8s", v); return nil }},
		{name: "SATUPINTU_SIMPONI_URL", def: "none (dev: the sandbox treasury)", help: "base URL of the treasury's billing service (SIMPONI)",
			set: func(c *Config, v string) error { c.Simponi.BaseURL = strings.TrimRight(v, "/"); return checkURL(v) }},
		{name: "SATUPINTU_SIMPONI_USER", def: "none (dev: the sandbox's)", help: "satupintu's SIMPONI user (Basic auth)",
			set: func(c *Config, v string) error { c.Simponi.User = v; return nil }},
		{name: "SATUPINTU_SIMPONI_PASSWORD", def: "none (dev: the sandbox's)", secret: true, help: "satupintu's SIMPONI password",
			set: func(c *Config, v string) error { c.Simponi.Password = v; return nil }},
		{name: "SATUPINTU_SIMPONI_BILLER", def: "060/000000/PNBP-POLRI (example)", help: "the biller as the treasury registered it: <K/L code>/<work unit (satker)>/<PNBP type>",
			set: func(c *Config, v string) error {
				parts := strings.Split(v, "/")
				if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
					return fmt.Errorf("must be <K/L>/<satker>/<PNBP type>")
				}
				c.Simponi.KodeKL, c.Simponi.KodeSatker, c.Simponi.JenisPNBP = parts[0], parts[1], parts[2]
				return nil
			}},
		{name: "SATUPINTU_PAYMENT_VALIDITY", def: "168h", help: "how long a bill's billing code can be paid; unpaid then, the case goes to PAYMENT_EXPIRED and the citizen may ask for a new bill",
			set: positive(func(c *Config) *time.Duration { return &c.PaymentValidity })},
		{name: "SATUPINTU_PAYMENT_RECONCILE_AFTER", def: "15m", help: "when, after a bill is issued, the gateway is first asked about it if no notification settled it",
			set: positive(func(c *Config) *time.Duration { return &c.PaymentReconcileAfter })},
		{name: "SATUPINTU_PAYMENT_RECONCILE_EVERY", def: "1h", help: "how often the gateway is asked again about a bill still open, until it expires",
			set: positive(func(c *Config) *time.Duration { return &c.PaymentReconcileEvery })},
		{name: "SATUPINTU_PAYMENT_TOLERANCE", def: "5m", help: "how far a payment notification's X-TIMESTAMP may be from now; older ones (replays) are refused",
			set: positive(func(c *Config) *time.Duration { return &c.PaymentTolerance })},
		{name: "SATUPINTU_SHARE_TTL", def: "180s", help: "how long a document share's one-time code (and an offline QR's presentation) is valid",
			set: positive(func(c *Config) *time.Duration { return &c.ShareTTL })},
		{name: "SATUPINTU_CREDENTIAL_TTL", def: "24h", help: "life of a document's credential (the app's copy, and a presentation a verifier receives), never past the document's own validity",
			set: positive(func(c *Config) *time.Duration { return &c.CredentialTTL })},
		{name: "SATUPINTU_STATUS_LIST_TTL", def: "5m", help: "ttl of the status lists: how long a verifier may rely on its copy, offline included; a suspension reaches every verifier within this (after the agency's own cache, SATUPINTU_POLICE_CACHE_TTL for a SIM)",
			set: positive(func(c *Config) *time.Duration { return &c.StatusListTTL })},
		{name: "SATUPINTU_FORWARD_GIVE_UP_AFTER", def: "24h", help: "a forward still failing this long after submission is parked for an operator (satupintu outbox)",
			set: positive(func(c *Config) *time.Duration { return &c.ForwardGiveUp })},
		{name: "SATUPINTU_FORWARD_BACKOFF_BASE", def: "1s", help: "first wait between forward attempts (exponential, full jitter)",
			set: positive(func(c *Config) *time.Duration { return &c.ForwardBackoff[0] })},
		{name: "SATUPINTU_FORWARD_BACKOFF_MAX", def: "5m", help: "longest wait between forward attempts",
			set: positive(func(c *Config) *time.Duration { return &c.ForwardBackoff[1] })},
		{name: "SATUPINTU_POLL_INTERVAL", def: "30s (2s in dev)", help: "how often an open case of a polled agency is polled",
			set: positive(func(c *Config) *time.Duration { return &c.PollInterval })},
		{name: "SATUPINTU_QUEUE_VISIBILITY", def: "30s", help: "how long a job of an instance that died stays taken: in memory, the claim's length; on PostgreSQL (River), a job still running this long past SATUPINTU_JOB_TIMEOUT is run again by another instance (River's leader looks every 30s)",
			set: atLeast(time.Millisecond, func(c *Config) *time.Duration { return &c.QueueVisibility })},
		{name: "SATUPINTU_JOB_TIMEOUT", def: "5m", help: "PostgreSQL (River): the longest one job runs before its context ends and it is retried; longer than any run (a poll sweep of an agency's open cases, a forward at the agency's timeout)",
			set: positive(func(c *Config) *time.Duration { return &c.JobTimeout })},
		{name: "SATUPINTU_ADMIN_TOKEN", def: "none: loopback only (dev)", required: true, secret: true, help: "bearer token of the operator endpoints (/admin/outbox) and of `satupintu outbox`",
			set: func(c *Config, v string) error { c.AdminToken = v; return nil }},
		{name: "SATUPINTU_SIM_STEP", def: "2s", help: "dev: how often a simulated agency moves each case one step",
			set: duration(func(c *Config) *time.Duration { return &c.SimStep })},
		{name: "SATUPINTU_WS_ORIGINS", def: "none", help: "browser origins (host patterns) allowed to open a websocket besides this server's own",
			set: func(c *Config, v string) error { c.WSOrigins = splitList(v); return nil }},
		{name: "SATUPINTU_WS_PING_INTERVAL", def: "25s", help: "how often the server pings an idle websocket, closing it after two missed pongs; 0 leaves it to the app's pings and TCP keepalive (a ping is a timer per connection, no goroutine)",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 {
					return fmt.Errorf("must be a duration such as 25s, or 0 for no server pings")
				}
				c.WSPing = d
				return nil
			}},
		{name: "GOOGLE_APPLICATION_CREDENTIALS", def: "none (dev: the fake FCM)", required: true, help: "service-account JSON file of the Firebase project that sends pushes",
			set: func(c *Config, v string) error {
				if _, err := os.Stat(v); err != nil {
					return fmt.Errorf("cannot read the credentials file: %w", err)
				}
				c.FCMCredentials = v
				return nil
			}},
		{name: "GOOGLE_CLOUD_PROJECT", def: "the credentials file's project_id", help: "Firebase project id",
			set: func(c *Config, v string) error { c.FCMProject = v; return nil }},
		{name: "SATUPINTU_FCM_ENDPOINT", def: "Google (dev: the fake FCM)", help: "FCM HTTP v1 base URL, for a test double; ends in /v1",
			set: func(c *Config, v string) error {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("must be an absolute http(s) URL")
				}
				c.FCMEndpoint = strings.TrimRight(v, "/")
				return nil
			}},
		{name: "SATUPINTU_PUSH_TTL", def: "72h", help: "how long FCM keeps a push for an offline device",
			set: positive(func(c *Config) *time.Duration { return &c.PushTTL })},
		{name: "SATUPINTU_PUSH_MAX_ATTEMPTS", def: "8", help: "attempts of a push before it is recorded as failed",
			set: intVar(func(c *Config) *int { return &c.PushMaxAttempts })},
		{name: "SATUPINTU_PUSH_BACKOFF_BASE", def: "1s", help: "first wait before retrying a push (exponential, full jitter; Retry-After wins when longer)",
			set: positive(func(c *Config) *time.Duration { return &c.PushBackoff[0] })},
		{name: "SATUPINTU_PUSH_BACKOFF_MAX", def: "32s", help: "longest wait before retrying a push",
			set: positive(func(c *Config) *time.Duration { return &c.PushBackoff[1] })},
		{name: "SATUPINTU_PUSH_SEND_LEASE", def: "30s", help: "a push claimed by an instance that then dies is sent by another after this (it may then arrive twice, if the dead one had sent it)",
			set: positive(func(c *Config) *time.Duration { return &c.PushSendLease })},
		{name: "SATUPINTU_PPROF_ADDR", def: "none", help: "address of a separate listener serving net/http/pprof (keep it on loopback), for profiling",
			set: func(c *Config, v string) error { c.PprofAddr = v; return nil }},
		{name: "SATUPINTU_WORKERS", def: "true", help: "run the background workers here (forwarding, change dispatch, polling, pushes); false makes an API-only instance",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("must be true or false")
				}
				c.Workers = b
				return nil
			}},
		{name: "SATUPINTU_FORWARD_CONCURRENCY", def: "16", help: "requests forwarded to agencies at once per instance: forwards per second are about this over the agencies' latency (16 at 20 ms: 800/s)",
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 256 {
					return fmt.Errorf("must be a whole number from 1 to 256 (an agency client lets 256 calls through at once)")
				}
				c.ForwardConcurrency = n
				return nil
			}},
		{name: "SATUPINTU_PUSH_CONCURRENCY", def: "200", help: "pushes sent at once per instance (one FCM request each); 0: this instance sends none (others do)",
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 10000 {
					return fmt.Errorf("must be a whole number from 0 to 10000")
				}
				c.PushConcurrency = n
				return nil
			}},
		{name: "SATUPINTU_MAX_BODY_BYTES", def: "65536", help: "largest request body accepted", set: int64Var(func(c *Config) *int64 { return &c.Limits.MaxBodyBytes })},
		{name: "SATUPINTU_HEADER_TIMEOUT", def: "10s", help: "time a client has to send a request's line and headers; past it the connection closes",
			set: positive(func(c *Config) *time.Duration { return &c.Limits.HeaderTimeout })},
		{name: "SATUPINTU_BODY_TIMEOUT", def: "10s", help: "time a client has, once its headers are in, to send the request body (/graphql, the agency webhook; not websockets after the upgrade); past it the connection closes",
			set: positive(func(c *Config) *time.Duration { return &c.Limits.BodyTimeout })},
		{name: "SATUPINTU_GRAPHQL_MAX_DEPTH", def: "12", help: "deepest field nesting accepted", set: intVar(func(c *Config) *int { return &c.Limits.MaxDepth })},
		{name: "SATUPINTU_GRAPHQL_MAX_ALIASES", def: "30", help: "most aliased fields in one operation", set: intVar(func(c *Config) *int { return &c.Limits.MaxAliases })},
		{name: "SATUPINTU_GRAPHQL_MAX_FIELDS", def: "500", help: "most fields in one operation, fragments expanded", set: intVar(func(c *Config) *int { return &c.Limits.MaxFields })},
		{name: "SATUPINTU_GRAPHQL_MAX_COMPLEXITY", def: "600", help: "gqlgen complexity limit", set: intVar(func(c *Config) *int { return &c.Limits.MaxComplexity })},
		{name: "SATUPINTU_GRAPHQL_MAX_TOKENS", def: "10000", help: "parser token limit", set: intVar(func(c *Config) *int { return &c.Limits.MaxTokens })},
		{name: "SATUPINTU_GRAPHQL_QUERY_CACHE", def: "1000", help: "parsed queries kept (LRU); also the automatic persisted queries kept without Redis", set: intVar(func(c *Config) *int { return &c.Limits.QueryCacheSize })},
		{name: "SATUPINTU_RATE_CITIZEN", def: "120/1m,burst=40 (off in dev)", help: "requests to /graphql per citizen: <n>/<duration>[,burst=<b>] (burst n if not given), or off; beyond it HTTP 429 RATE_LIMITED with Retry-After",
			set: limitVar(func(c *Config) *ratelimit.Limit { return &c.RateCitizen })},
		{name: "SATUPINTU_RATE_IP", def: "600/1m,burst=200 (off in dev)", help: "requests to /graphql per client IP (IPv6: per /64), counted before the token is checked; same form, or off",
			set: limitVar(func(c *Config) *ratelimit.Limit { return &c.RateIP })},
		{name: "SATUPINTU_RATE_WEBHOOK_IP", def: "6000/1m,burst=2000 (off in dev)", help: "agency webhook calls per sending IP, counted before the body is read or the signature checked; agencies send from few addresses (often one exchange gateway for all) and in bursts after an outage, so it only stops a flood; same form, or off; beyond it HTTP 429 RATE_LIMITED with Retry-After, which agencies retry",
			set: limitVar(func(c *Config) *ratelimit.Limit { return &c.RateWebhookIP })},
		{name: "SATUPINTU_OVERLOAD", def: "on (off in dev)", help: "shed /graphql requests while the process is saturated: past an adaptive limit of requests in flight, HTTP 503 OVERLOADED with Retry-After, at once; on or off",
			set: func(c *Config, v string) error {
				switch v {
				case "on":
					c.Overload = true
				case "off":
					c.Overload = false
				default:
					return fmt.Errorf("must be on or off")
				}
				return nil
			}},
		{name: "SATUPINTU_OVERLOAD_LIMITS", def: "16,64,1000", help: "the adaptive limit of /graphql requests in flight: <min>,<initial>,<max>; it falls in proportion while the Go scheduler's p99 latency is over SATUPINTU_OVERLOAD_LATENCY, rises while requests near it, and follows them up while the latency is under half of it",
			set: func(c *Config, v string) error {
				parts := strings.Split(v, ",")
				var n [3]int
				for i := range n {
					if len(parts) != 3 {
						break
					}
					if x, err := strconv.Atoi(strings.TrimSpace(parts[i])); err == nil {
						n[i] = x
					}
				}
				if len(parts) != 3 || n[0] < 1 || n[1] < n[0] || n[2] < n[1] || n[2] > 1_000_000 {
					return fmt.Errorf("must be <min>,<initial>,<max> with 1 ≤ min ≤ initial ≤ max ≤ 1000000")
				}
				c.OverloadLimits.MinLimit, c.OverloadLimits.InitialLimit, c.OverloadLimits.MaxLimit = n[0], n[1], n[2]
				return nil
			}},
		{name: "SATUPINTU_OVERLOAD_LATENCY", def: "4ms", help: "the Go scheduler's p99 latency (time a runnable goroutine waits for a CPU, per 100 ms window) past which the process counts as saturated",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 100*time.Microsecond || d > time.Second {
					return fmt.Errorf("must be a duration from 100µs to 1s")
				}
				c.OverloadLimits.Latency = d
				return nil
			}},
		{name: "SATUPINTU_OVERLOAD_QUEUE", def: "0s", help: "how long a /graphql request that finds the overload limit reached waits for a slot (the newest first) before it is shed; 0s: shed at once",
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < 0 || d > time.Second {
					return fmt.Errorf("must be a duration from 0s to 1s")
				}
				c.OverloadLimits.QueueWait = d
				return nil
			}},
		{name: "SATUPINTU_TRUST_PROXY_HEADERS", def: "false", help: "take the client IP from X-Forwarded-For's left-most entry: only behind a proxy that sets it (clients could forge it otherwise)",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("must be true or false")
				}
				c.TrustProxyHeaders = b
				return nil
			}},
		{name: "SATUPINTU_CORS_ORIGINS", def: "none", help: "browser origins allowed to call /graphql (and to open its websocket), comma-separated: exact (https://app.satupintu.go.id) or with one * (https://*.satupintu.go.id); none: no cross-origin access",
			set: func(c *Config, v string) error {
				origins := splitList(v)
				for _, o := range origins {
					if err := checkOrigin(o); err != nil {
						return err
					}
				}
				c.CORSOrigins = origins
				return nil
			}},
		{name: "SATUPINTU_TRUSTED_DOCUMENTS", def: "off (dev), enforce (production)", help: "operations in no manifest of SATUPINTU_TRUSTED_DOCUMENTS_FILE: off runs them (APQ registers new ones), log runs them and logs and counts them, enforce refuses them with PERSISTED_QUERY_NOT_ALLOWED (and APQ registers nothing)",
			set: func(c *Config, v string) error {
				m, err := server.ParseTrustedMode(v)
				c.TrustedMode = m
				return err
			}},
		{name: "SATUPINTU_TRUSTED_DOCUMENTS_FILE", def: "none", help: "the apps' persisted query manifests (Apollo's apollo-persisted-query-manifest format), comma-separated paths; each operation is checked against the schema at start",
			set: func(c *Config, v string) error {
				c.TrustedFiles = splitList(v)
				for _, f := range c.TrustedFiles {
					if _, err := os.Stat(f); err != nil {
						return fmt.Errorf("cannot read %s: %w", f, err)
					}
				}
				return nil
			}},
		{name: "SATUPINTU_MIN_APP_VERSION", def: "none", help: "oldest app version served, per client name (apollographql-client-name): satupintu-android:2.3.0,satupintu-ios:2.3.0; older apps get APP_UPDATE_REQUIRED on everything but appConfig",
			set: func(c *Config, v string) error {
				m, err := apprelease.ParseVersions(v)
				c.Releases.Minimum = m
				return err
			}},
		{name: "SATUPINTU_LATEST_APP_VERSION", def: "none", help: "newest app version released, per client name, in the same form; appConfig tells apps about it",
			set: func(c *Config, v string) error {
				m, err := apprelease.ParseVersions(v)
				c.Releases.Latest = m
				return err
			}},
		{name: "SATUPINTU_APP_UPDATE_URL", def: "none", help: "where an app is updated: one URL for every app, and/or <client name>:<URL> entries, comma-separated; needed for each app with a minimum version",
			set: func(c *Config, v string) error {
				per, def, err := apprelease.ParseUpdateURLs(v)
				c.Releases.UpdateURL, c.Releases.DefaultUpdateURL = per, def
				return err
			}},
	}

	secret := func(name, help string, field func(c *Config) *string) variable {
		return variable{name: name, def: "sandbox value (dev)", required: true, secret: true, help: help,
			set: func(c *Config, v string) error { *field(c) = v; return nil }}
	}
	vs = append(vs,
		secret("SATUPINTU_DUKCAPIL_API_KEY", "Dukcapil X-Api-Key", func(c *Config) *string { return &c.Dukcapil.APIKey }),
		secret("SATUPINTU_EDUCATION_API_KEY", "education registry X-Api-Key", func(c *Config) *string { return &c.Education.APIKey }),
		secret("SATUPINTU_POLICE_API_KEY", "police X-Api-Key", func(c *Config) *string { return &c.Police.APIKey }),
		secret("SATUPINTU_SOCIAL_API_KEY", "social register X-Api-Key", func(c *Config) *string { return &c.Social.APIKey }),
		secret("SATUPINTU_BPJS_CONS_ID", "BPJS VClaim consumer id (X-cons-id)", func(c *Config) *string { return &c.BPJS.ConsID }),
		secret("SATUPINTU_BPJS_SECRET", "BPJS consumer secret (signs requests, keys responses)", func(c *Config) *string { return &c.BPJS.Secret }),
		secret("SATUPINTU_BPJS_USER_KEY", "BPJS user_key", func(c *Config) *string { return &c.BPJS.UserKey }),
		secret("SATUPINTU_BPJS_PCARE_USER", "BPJS PCare user (X-authorization)", func(c *Config) *string { return &c.BPJS.PCareUser }),
		secret("SATUPINTU_BPJS_PCARE_PASSWORD", "BPJS PCare password", func(c *Config) *string { return &c.BPJS.PCarePassword }),
		secret("SATUPINTU_SATUSEHAT_CLIENT_ID", "SATUSEHAT OAuth2 client id", func(c *Config) *string { return &c.SatuSehat.ClientID }),
		secret("SATUPINTU_SATUSEHAT_CLIENT_SECRET", "SATUSEHAT OAuth2 client secret", func(c *Config) *string { return &c.SatuSehat.ClientSecret }),
	)

	for _, a := range caseAgencies {
		vs = append(vs,
			variable{name: envName(a, "CASE_SECRET"), pattern: "SATUPINTU_<AGENCY>_CASE_SECRET", def: "sandbox value (dev)", required: true, secret: true,
				help: "secret shared with bpjs, education, police and social for signed forwards and webhooks; several, comma-separated, during a rotation (the first signs)",
				set: func(c *Config, v string) error {
					var secrets [][]byte
					for _, s := range splitList(v) {
						if len(s) < 16 {
							return fmt.Errorf("each secret must be at least 16 characters")
						}
						secrets = append(secrets, []byte(s))
					}
					c.CaseSecrets[a] = secrets
					return nil
				}},
			variable{name: envName(a, "EVENTS"), pattern: "SATUPINTU_<AGENCY>_EVENTS", def: "poll for education, webhook for the others",
				help: "how bpjs, education, police and social report case statuses: webhook or poll",
				set: func(c *Config, v string) error {
					switch v {
					case "webhook":
						c.Polled[a] = false
					case "poll":
						c.Polled[a] = true
					default:
						return fmt.Errorf("must be webhook or poll")
					}
					return nil
				}},
		)
	}
	for _, a := range sp.Agencies {
		d := agencyDefaults(a)
		vs = append(vs,
			variable{name: envName(a, "URL"), pattern: "SATUPINTU_<AGENCY>_URL", def: "embedded simulator (dev)", required: true, help: string(a) + " base URL",
				set: func(c *Config, v string) error {
					return setAgency(c, a, func(ac *agency.Config) error { ac.BaseURL = v; return nil })
				}},
			agencyDuration(a, "TIMEOUT", d.Timeout, "whole call, retries included", func(ac *agency.Config) *time.Duration { return &ac.Timeout }),
			agencyDuration(a, "ATTEMPT_TIMEOUT", d.AttemptTimeout, "one HTTP attempt", func(ac *agency.Config) *time.Duration { return &ac.AttemptTimeout }),
			agencyInt(a, "RETRIES", d.Retries, "extra attempts of a read (never of a forward)", func(ac *agency.Config) *int { return &ac.Retries }),
			agencyDuration(a, "BACKOFF_BASE", d.BackoffBase, "first retry backoff (exponential, full jitter)", func(ac *agency.Config) *time.Duration { return &ac.BackoffBase }),
			agencyDuration(a, "BACKOFF_MAX", d.BackoffMax, "longest retry backoff", func(ac *agency.Config) *time.Duration { return &ac.BackoffMax }),
			variable{name: envName(a, "BREAKER_FAILURES"), pattern: "SATUPINTU_<AGENCY>_BREAKER_FAILURES", def: strconv.Itoa(int(d.BreakerFailures)), help: "consecutive failures that open the breaker",
				set: func(c *Config, v string) error {
					n, err := strconv.ParseUint(v, 10, 32)
					if err != nil {
						return fmt.Errorf("must be a whole number")
					}
					return setAgency(c, a, func(ac *agency.Config) error { ac.BreakerFailures = uint32(n); return nil })
				}},
			agencyDuration(a, "BREAKER_OPEN_FOR", d.BreakerOpenFor, "how long an open breaker stops calls before one probe", func(ac *agency.Config) *time.Duration { return &ac.BreakerOpenFor }),
			agencyInt(a, "MAX_CONCURRENT", d.MaxConcurrent, "calls in flight (bulkhead); more fail at once", func(ac *agency.Config) *int { return &ac.MaxConcurrent }),
			agencyDuration(a, "CACHE_TTL", d.DefaultTTL, "how long a cached read is fresh (0 turns caching off)", func(ac *agency.Config) *time.Duration { return &ac.DefaultTTL }),
			agencyDuration(a, "STALE_FOR", d.StaleFor, "how long past its TTL a cached read may be served when the agency fails", func(ac *agency.Config) *time.Duration { return &ac.StaleFor }),
		)
	}
	return vs
}

func setAgency(c *Config, a sp.Agency, f func(*agency.Config) error) error {
	ac := c.Agencies[a]
	if err := f(&ac); err != nil {
		return err
	}
	c.Agencies[a] = ac
	return nil
}

func agencyDuration(a sp.Agency, suffix string, def time.Duration, help string, f func(*agency.Config) *time.Duration) variable {
	return variable{name: envName(a, suffix), pattern: "SATUPINTU_<AGENCY>_" + suffix, def: def.String(), help: help, set: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("must be a duration such as 2s or 500ms")
		}
		return setAgency(c, a, func(ac *agency.Config) error { *f(ac) = d; return nil })
	}}
}

func agencyInt(a sp.Agency, suffix string, def int, help string, f func(*agency.Config) *int) variable {
	return variable{name: envName(a, suffix), pattern: "SATUPINTU_<AGENCY>_" + suffix, def: strconv.Itoa(def), help: help, set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("must be a whole number")
		}
		return setAgency(c, a, func(ac *agency.Config) error { *f(ac) = n; return nil })
	}}
}

func duration(f func(c *Config) *time.Duration) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("must be a duration such as 15s")
		}
		*f(c) = d
		return nil
	}
}

// positive is a duration the workers wait or keep something for: zero
// would make them spin or forget at once.
func positive(f func(c *Config) *time.Duration) func(c *Config, v string) error {
	return atLeast(time.Nanosecond, f)
}

func atLeast(least time.Duration, f func(c *Config) *time.Duration) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil || d <= 0:
			return fmt.Errorf("must be a positive duration such as 30s")
		case d < least:
			return fmt.Errorf("must be at least %s", least)
		}
		*f(c) = d
		return nil
	}
}

func intVar(f func(c *Config) *int) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("must be a positive whole number")
		}
		*f(c) = n
		return nil
	}
}

func int64Var(f func(c *Config) *int64) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("must be a positive whole number")
		}
		*f(c) = n
		return nil
	}
}

func limitVar(f func(c *Config) *ratelimit.Limit) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		l, err := ratelimit.Parse(v)
		if err != nil {
			return err
		}
		*f(c) = l
		return nil
	}
}

// checkOrigin accepts a browser origin, scheme://host[:port], whose host
// may hold one * (rs/cors's wildcard).
func checkOrigin(o string) error {
	u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil ||
		strings.Count(o, "*") > 1 {
		return fmt.Errorf("%q is not an origin such as https://app.satupintu.go.id or https://*.satupintu.go.id", o)
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// redactJSONError keeps a JSON decoding error's position and kind, never
// the value it quotes (a verifier's secret could be in it).
func redactJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be a %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return err.Error() // names the field, not a value
	}
	return "not JSON"
}

// period is a setter of a retention period.
func period(field func(*Config) *privacy.Period) func(*Config, string) error {
	return func(c *Config, v string) error {
		p, err := privacy.ParsePeriod(v)
		if err != nil {
			return err
		}
		*field(c) = p
		return nil
	}
}

// checkURL accepts an absolute http(s) URL.
func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http(s) URL")
	}
	return nil
}

// parseRSAPrivate reads an RSA private key in PKCS#8 or PKCS#1 PEM.
func parseRSAPrivate(raw []byte) (*rsa.PrivateKey, error) {
	return sim.ParseRSAKey(string(raw))
}

// parseRSAPublic reads an RSA public key in PKIX PEM.
func parseRSAPublic(raw []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("not PEM")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA public key")
	}
	return rk, nil
}
