package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/bpjs"
	"github.com/satupintu/satupintu/integrations/caseapi"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/integrations/police"
	"github.com/satupintu/satupintu/integrations/satusehat"
	"github.com/satupintu/satupintu/integrations/social"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/notifications/fcm"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim"
	simfcm "github.com/satupintu/satupintu/sim/fcm"
	"github.com/satupintu/satupintu/store/memory"
	storeredis "github.com/satupintu/satupintu/store/redis"
)

// app is one running satupintu: the HTTP server, the workers and, in dev
// mode, the embedded sandbox.
type app struct {
	cfg      Config
	log      *slog.Logger
	url      string // where the server answers, e.g. http://127.0.0.1:8080
	srv      *http.Server
	sandbox  *sim.Sandbox // dev mode only
	simURL   string
	simSrv   *http.Server
	pprofSrv *http.Server
	clients  map[sp.Agency]*agency.Client
	agencyT  *http.Transport
	fcmT     *http.Transport
	redis    goredis.UniversalClient // nil: memory store
	cache    agency.Cache
	limiter  server.Limiter
	apq      graphql.Cache[string]

	caseStore cases.Store
	polls     queue.Queue
	broker    cases.Broker
	casework  *cases.Service

	devices    notifications.Devices
	inbox      notifications.Inbox
	deliveries notifications.Deliveries
	pushes     queue.Queue

	workCtx context.Context
	cancel  context.CancelFunc
	workers sync.WaitGroup
	failed  chan error
}

// start wires everything from cfg and starts serving.
func start(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &app{cfg: cfg, log: log, workCtx: workCtx, cancel: cancel, failed: make(chan error, 2),
		clients: map[sp.Agency]*agency.Client{}}
	ok := false
	defer func() {
		if !ok {
			_ = a.stop()
		}
	}()

	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (SATUPINTU_ADDR): %w", a.cfg.Addr, err)
	}
	a.url = "http://" + loopbackAddr(ln.Addr())
	if a.cfg.Mode == ModeDev {
		if err := a.startSandbox(); err != nil {
			ln.Close()
			return nil, err
		}
		a.devDefaults()
	}
	if a.cfg.PollInterval == 0 {
		a.cfg.PollInterval = 30 * time.Second
	}
	if len(a.cfg.CacheKey) == 0 {
		a.cfg.CacheKey = make([]byte, 32)
		_, _ = rand.Read(a.cfg.CacheKey)
	}

	ready, err := a.stores(ctx)
	if err != nil {
		ln.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := agency.NewMetrics(reg)
	ports, err := a.agencies(metrics)
	if err != nil {
		ln.Close()
		return nil, err
	}
	caseAPIs, err := a.caseAgencies(metrics)
	if err != nil {
		ln.Close()
		return nil, err
	}

	authCfg := a.cfg.Auth.WithDefaults()
	if err := authCfg.Validate(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("configuration: %w", err)
	}
	verifier, err := auth.NewVerifier(workCtx, authCfg, &http.Client{Timeout: 10 * time.Second}, log.With("component", "auth"))
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("token verifier: %w", err)
	}

	cat, err := catalog.Load()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("service catalog: %w", err)
	}
	// Who may apply, and for whom, from Dukcapil through its agency chain.
	a.casework = cases.NewService(a.caseStore, cat, policy.New(ports.Registry, time.Now), time.Now, log.With("component", "cases"))
	sender, err := a.pushSender(workCtx)
	if err != nil {
		ln.Close()
		return nil, err
	}
	pushMetrics := notifications.NewMetrics(reg, a.pushes)
	if a.cfg.Workers {
		a.startWorkers(caseAPIs, cat, sender, pushMetrics)
	}

	res := &resolvers.Resolver{
		Now: time.Now, Logger: log, Casework: a.casework, Broker: a.broker, Agencies: ports,
		DeviceStore: a.devices, InboxStore: a.inbox,
	}
	deps := server.Deps{
		Logger:           log,
		Schema:           exec.NewExecutableSchema(exec.Config{Resolvers: res}),
		Extensions:       []graphql.HandlerExtension{res.Extension()},
		Verifier:         verifier,
		Limits:           a.cfg.Limits,
		Introspection:    a.cfg.Mode == ModeDev,
		WebsocketOrigins: a.cfg.WSOrigins,
		WebsocketPing:    a.cfg.WSPing,
		Webhook: &server.Webhook{
			Events:   a.casework,
			Secrets:  func(ag sp.Agency) [][]byte { return a.cfg.CaseSecrets[ag] },
			Verifier: a.webhookVerifier(),
		},
		Admin: &server.Admin{Queues: map[string]queue.Queue{
			"forwards": a.caseStore.Forwards(), "changes": a.caseStore.Changes(), "pushes": a.pushes, "polls": a.polls,
		}},
		AdminToken: a.cfg.AdminToken,
		Metrics:    reg,
		Ready:      append(ready, server.ReadinessCheck{Name: "identity-provider keys", Check: verifier.Ready}),
		RateLimits: server.RateLimits{
			Limiter: a.limiter,
			Citizen: a.cfg.RateCitizen,
			IP:      a.cfg.RateIP,
			// Every instance names a citizen or an address alike.
			KeySecret: derive(a.cfg.CacheKey, "rate limit keys"),
			Metrics:   server.NewRateLimitMetrics(reg),
		},
		TrustProxyHeaders: a.cfg.TrustProxyHeaders,
		APQ:               a.apq,
	}
	if a.sandbox != nil {
		deps.Dev = a.devTools()
	}

	a.srv = newHTTPServer(server.NewServer(deps), log)
	serve(a.srv, ln, a.failed)
	if a.cfg.PprofAddr != "" {
		pln, err := net.Listen("tcp", a.cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("listening on %s (SATUPINTU_PPROF_ADDR): %w", a.cfg.PprofAddr, err)
		}
		a.pprofSrv = newHTTPServer(pprofHandler(), log)
		serve(a.pprofSrv, pln, a.failed)
		log.Info("profiling endpoint", "url", "http://"+loopbackAddr(pln.Addr())+"/debug/pprof/")
	}
	log.Info("satupintu listening", "url", a.url, "mode", a.cfg.Mode, "instance", a.cfg.Instance, "store", a.storeName())
	if a.sandbox != nil {
		log.Info("dev mode: seeded citizens at "+a.url+"/dev/citizens, tokens from POST "+a.url+"/dev/token, playground at "+a.url+"/playground",
			"simulators", a.simURL)
	}
	ok = true
	return a, nil
}

// startSandbox serves every simulator on a loopback port of its own.
func (a *app) startSandbox() error {
	ln, err := net.Listen("tcp", a.cfg.SimAddr)
	if err != nil {
		return fmt.Errorf("listening for the simulators on %s (SATUPINTU_SIM_ADDR): %w", a.cfg.SimAddr, err)
	}
	a.simURL = "http://" + loopbackAddr(ln.Addr())
	a.sandbox = sim.New(sim.Options{BaseURL: a.simURL, Logger: a.log.With("component", "sim"),
		Step: a.cfg.SimStep, Polled: a.cfg.Polled})
	a.simSrv = newHTTPServer(a.sandbox, a.log)
	serve(a.simSrv, ln, a.failed)
	return nil
}

// devDefaults points every unset endpoint and secret at the sandbox.
func (a *app) devDefaults() {
	c := &a.cfg
	for _, ag := range sp.Agencies {
		ac := c.Agencies[ag]
		if ac.BaseURL == "" {
			ac.BaseURL = a.simURL + "/" + string(ag)
		}
		c.Agencies[ag] = ac
	}
	creds := a.sandbox.Creds
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
	if c.Auth.Issuer == "" && a.sandbox.IdP() != nil {
		c.Auth.Issuer = a.sandbox.IdP().Issuer()
	}
	or(&c.Auth.Audience, c.DevAudience)
	or(&c.PublicURL, a.url)
	if c.PollInterval == 0 {
		c.PollInterval = 2 * time.Second
	}
}

// stores opens the state: Redis when configured, else memory.
func (a *app) stores(ctx context.Context) ([]server.ReadinessCheck, error) {
	vis := a.cfg.QueueVisibility
	if a.cfg.RedisURL == "" {
		a.cache = memory.NewCache(a.cfg.CacheMaxEntries)
		a.caseStore = memory.NewCaseStore(time.Now, vis)
		a.polls = memory.NewQueue(vis, time.Now)
		a.broker = memory.NewBroker()
		a.devices, a.inbox, a.deliveries = memory.NewDevices(), memory.NewInbox(), memory.NewDeliveries()
		a.pushes = memory.NewQueue(vis, time.Now)
		a.limiter = memory.NewLimiter(limiterKeys)
		a.apq = memory.NewAPQCache(a.cfg.Limits.QueryCacheSize)
		return nil, nil
	}
	rc, err := storeredis.Connect(ctx, a.cfg.RedisURL, storeredis.ConnectOptions{})
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.redis = rc
	prefix := a.cfg.RedisPrefix
	// Citizens are named in keys by an HMAC under a key derived from the
	// cache key, which every instance shares.
	secret := derive(a.cfg.CacheKey, "redis citizen keys")
	a.cache = storeredis.NewCache(rc, prefix)
	a.limiter = storeredis.NewLimiter(rc, prefix)
	a.apq = storeredis.NewAPQCache(rc, prefix, a.log.With("component", "apq"))
	if a.caseStore, err = storeredis.NewCaseStore(rc, prefix, secret, vis); err != nil {
		return nil, fmt.Errorf("case store: %w", err)
	}
	if a.polls, err = storeredis.NewQueue(rc, prefix, "polls", vis); err != nil {
		return nil, fmt.Errorf("poll queue: %w", err)
	}
	if a.broker, err = storeredis.NewBroker(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	if a.devices, err = storeredis.NewDevices(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	if a.inbox, err = storeredis.NewInbox(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	if a.deliveries, err = storeredis.NewDeliveries(rc, prefix, secret); err != nil {
		return nil, fmt.Errorf("push deliveries: %w", err)
	}
	if a.pushes, err = storeredis.NewQueue(rc, prefix, "pushes", vis); err != nil {
		return nil, fmt.Errorf("push queue: %w", err)
	}
	return []server.ReadinessCheck{{Name: "redis", Check: func(ctx context.Context) error { return rc.Ping(ctx).Err() }}}, nil
}

// limiterKeys bounds the citizens and addresses the memory limiter tracks
// (about 100 bytes each); one pushed out starts again with a full burst.
const limiterKeys = 100_000

func (a *app) storeName() string {
	if a.redis != nil {
		return "redis"
	}
	return "memory"
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// webhookVerifier checks agencies' signatures; with Redis, a replay seen by
// any instance is refused by every instance.
func (a *app) webhookVerifier() *signature.Verifier {
	if a.redis == nil {
		return signature.NewVerifier(time.Now)
	}
	key := a.cfg.RedisPrefix + "webhook-seen:"
	return signature.NewVerifier(time.Now, signature.WithReplayStore(func(ctx context.Context, k string, ttl time.Duration) (bool, error) {
		return a.redis.SetNX(ctx, key+k, 1, ttl).Result()
	}))
}

// newTransport is the shared transport of the agency clients.
func (a *app) newTransport() *http.Transport {
	if a.agencyT == nil {
		a.agencyT = agency.NewTransport(a.cfg.Agencies)
	}
	return a.agencyT
}

func (a *app) agencyClient(ag sp.Agency, metrics *agency.Metrics, cache agency.Cache) (*agency.Client, error) {
	c, err := agency.New(ag, a.cfg.Agencies[ag], agency.Options{
		Transport: a.newTransport(),
		Cache:     cache,
		CacheKey:  a.cfg.CacheKey,
		Metrics:   metrics,
		Instance:  a.cfg.Instance,
		Logger:    a.log.With("component", "agency"),
	})
	if err != nil {
		return nil, fmt.Errorf("%w (settings %s)", err, envName(ag, "*"))
	}
	return c, nil
}

// agencies builds the six read clients and their adapters.
func (a *app) agencies(metrics *agency.Metrics) (readmodel.Agencies, error) {
	var errs []error
	for _, ag := range sp.Agencies {
		c, err := a.agencyClient(ag, metrics, a.cache)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.clients[ag] = c
	}
	// The JSON agencies' configs are alike: the message names the variable.
	apiKey := func(ag sp.Agency, c agency.JSONConfig) error {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%s: %w", envName(ag, "API_KEY"), err)
		}
		return nil
	}
	for _, err := range []error{apiKey(sp.AgencyDukcapil, a.cfg.Dukcapil), a.cfg.BPJS.Validate(), a.cfg.SatuSehat.Validate(),
		apiKey(sp.AgencyEducation, a.cfg.Education), apiKey(sp.AgencyPolice, a.cfg.Police), apiKey(sp.AgencySocial, a.cfg.Social)} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return readmodel.Agencies{}, fmt.Errorf("configuration:\n%w", err)
	}
	return readmodel.Agencies{
		Registry:  dukcapil.New(a.clients[sp.AgencyDukcapil], a.cfg.Dukcapil),
		Insurance: bpjs.New(a.clients[sp.AgencyBPJS], a.cfg.BPJS),
		Health:    satusehat.New(a.clients[sp.AgencySatuSehat], a.cfg.SatuSehat),
		Schools:   education.New(a.clients[sp.AgencyEducation], a.cfg.Education),
		Police:    police.New(a.clients[sp.AgencyPolice], a.cfg.Police),
		Social:    social.New(a.clients[sp.AgencySocial], a.cfg.Social),
		Watch:     agency.WithObserver,
	}, nil
}

// caseAgencies builds the case contract clients: their own agency client
// each (own breaker: a failing intake does not stop reads), never cached.
func (a *app) caseAgencies(metrics *agency.Metrics) (map[sp.Agency]cases.Agency, error) {
	out := map[sp.Agency]cases.Agency{}
	var errs []error
	for _, ag := range caseAgencies {
		if len(a.cfg.CaseSecrets[ag]) == 0 {
			errs = append(errs, fmt.Errorf("%s is not set", envName(ag, "CASE_SECRET")))
			continue
		}
		c, err := a.agencyClient(ag, metrics, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[ag] = caseapi.New(c, a.cfg.CaseSecrets[ag], a.cfg.PublicURL)
	}
	return out, errors.Join(errs...)
}

// pushSender is FCM: the fake FCM in dev mode, Google in production.
func (a *app) pushSender(ctx context.Context) (*fcm.Sender, error) {
	// Our own transport, so stop can close its idle connections.
	a.fcmT = http.DefaultTransport.(*http.Transport).Clone()
	// Every request in flight keeps its connection: each push lane sends
	// fcm.Concurrency at once, and a smaller pool would close and redial
	// (over HTTP/1.1, as to the fake FCM) on every wave.
	a.fcmT.MaxIdleConnsPerHost = max(1, a.cfg.PushConcurrency) * fcm.Concurrency
	a.fcmT.MaxIdleConns = 0 // the clone's total of 100 would cap the line above: 6,500 redials per 40,000 pushes
	client := &http.Client{Transport: a.fcmT}
	cfg := fcm.Config{ProjectID: a.cfg.FCMProject, Endpoint: a.cfg.FCMEndpoint, CredentialsFile: a.cfg.FCMCredentials, HTTPClient: client}
	if a.sandbox != nil && cfg.CredentialsFile == "" {
		cfg = fcm.Config{ProjectID: simfcm.DevProjectID, Endpoint: a.simURL + "/fcm/v1", AccessToken: simfcm.DevAccessToken, HTTPClient: client}
	}
	if cfg.ProjectID == "" && cfg.CredentialsFile != "" {
		project, err := projectOf(cfg.CredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: %w (or set GOOGLE_CLOUD_PROJECT)", err)
		}
		cfg.ProjectID = project
	}
	s, err := fcm.New(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("FCM: %w", err)
	}
	return s, nil
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

// startWorkers runs the forwarder, the dispatcher, the poller and the
// pusher until stop.
func (a *app) startWorkers(apis map[sp.Agency]cases.Agency, cat *catalog.Catalog, sender notifications.Sender, pm *notifications.Metrics) {
	log := a.log.With("component", "cases")
	fwd := &cases.Forwarder{
		Store: a.caseStore, Agencies: apis, Polls: a.polls, Polled: a.cfg.Polled,
		GiveUpAfter: a.cfg.ForwardGiveUp, BackoffBase: a.cfg.ForwardBackoff[0], BackoffMax: a.cfg.ForwardBackoff[1],
		Log: log,
	}
	notifier := &notifications.Notifier{Inbox: a.inbox, Devices: a.devices, Pushes: a.pushes, Catalog: cat,
		Log: a.log.With("component", "notifications")}
	disp := &cases.Dispatcher{Store: a.caseStore, Broker: a.broker, Handlers: []cases.ChangeHandler{notifier.OnChange}, Log: log}
	pusher := &notifications.Pusher{Queue: a.pushes, Devices: a.devices, Inbox: a.inbox, Deliveries: a.deliveries,
		Sender: sender, TTL: a.cfg.PushTTL, MaxAttempts: a.cfg.PushMaxAttempts, SendLease: a.cfg.PushSendLease,
		BackoffBase: a.cfg.PushBackoff[0], BackoffMax: a.cfg.PushBackoff[1], Metrics: pm,
		Log: a.log.With("component", "push")}
	poll := &cases.Poller{Service: a.casework, Store: a.caseStore, Queue: a.polls, Agencies: apis,
		Every: a.cfg.PollInterval, Log: log}
	for _, w := range []*queue.Worker{
		{Queue: a.caseStore.Forwards(), Consumer: a.cfg.Instance, Batch: a.cfg.ForwardConcurrency, Concurrency: a.cfg.ForwardConcurrency, Idle: 50 * time.Millisecond, Handle: fwd.Handle, Log: log},
		{Queue: a.caseStore.Changes(), Consumer: a.cfg.Instance, Batch: 32, Concurrency: 16, Idle: 20 * time.Millisecond, Handle: disp.Handle, Ordered: true, Log: log},
		{Queue: a.polls, Consumer: a.cfg.Instance, Batch: cases.MaxPollBatch, Concurrency: 1, Idle: 200 * time.Millisecond, HandleBatch: poll.HandleBatch, Log: log},
	} {
		a.workers.Go(func() { w.Run(a.workCtx) })
	}
	if a.cfg.PushConcurrency > 0 {
		w := &queue.Worker{Queue: a.pushes, Consumer: a.cfg.Instance, Batch: notifications.MaxBatch, Concurrency: a.cfg.PushConcurrency,
			Idle: 20 * time.Millisecond, HandleBatch: pusher.HandleBatch, Log: log}
		a.workers.Go(func() { w.Run(a.workCtx) })
	}
}

// stop drains the servers and stops the background work.
func (a *app) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if a.srv != nil {
		errs = append(errs, a.srv.Shutdown(ctx))
	}
	if a.pprofSrv != nil {
		errs = append(errs, a.pprofSrv.Close())
	}
	a.cancel()
	a.workers.Wait()
	// Dialed-but-unused connections would hold the sandbox's shutdown.
	for _, t := range []*http.Transport{a.agencyT, a.fcmT} {
		if t != nil {
			t.CloseIdleConnections()
		}
	}
	if a.sandbox != nil {
		a.sandbox.Close()
	}
	if a.simSrv != nil {
		errs = append(errs, a.simSrv.Shutdown(ctx))
	}
	if b, ok := a.broker.(interface{ Close() error }); ok {
		errs = append(errs, b.Close())
	}
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
	}
	return errors.Join(errs...)
}

// loopbackAddr turns a wildcard listen address into one a client can dial.
func loopbackAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// pprofHandler serves net/http/pprof on its own mux (never the public one).
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
