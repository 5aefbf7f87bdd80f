package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/internal/pprofmux"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/server"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/store"
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
	agencyT  *http.Transport
	fcmT     *http.Transport
	stores   *store.Stores
	casework *cases.Service
	policy   *policy.Policy
	mandates *mandates.Service
	wallet   *documents.Service
	payments *payments.Service // nil unless SATUPINTU_PAYMENTS=on
	// STAND-IN until the privacy engines are merged (see startWallet).

	workCtx context.Context
	cancel  context.CancelFunc
	workers sync.WaitGroup
	failed  chan error
}

// start wires everything from cfg, a configuration loadConfig validated,
// and starts serving.
func start(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	// A copy of its own: dev mode fills in the sandbox's endpoints.
	a := &app{cfg: cfg.clone(), log: log, workCtx: workCtx, cancel: cancel, failed: make(chan error, 2)}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("listening on %s (SATUPINTU_ADDR): %w", a.cfg.Addr, err)
	}
	ok := false
	defer func() {
		if !ok {
			ln.Close() // once served, the server's shutdown closes it
			_ = a.stop()
		}
	}()
	a.url = "http://" + loopbackAddr(ln.Addr())
	if a.cfg.Mode == ModeDev {
		if err := a.startSandbox(); err != nil {
			return nil, err
		}
		a.cfg.devEndpoints(a.simURL, a.url)
	}
	if a.stores, err = store.Open(ctx, a.cfg.storeConfig(), log); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := agency.NewMetrics(reg)
	ports, err := a.agencies(metrics)
	if err != nil {
		return nil, err
	}
	caseAPIs, err := a.caseAgencies(metrics)
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(workCtx, a.cfg.Auth, &http.Client{Timeout: 10 * time.Second}, log.With("component", "auth"))
	if err != nil {
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("service catalog: %w", err)
	}
	// The one policy: who may do what for whom, from Dukcapil through its
	// agency chain and the mandates citizens gave each other.
	pol := policy.New(ports.Registry, a.now)
	a.mandates = mandates.NewService(a.stores.Mandates, pol, &notifications.Notifier{Inbox: a.stores.Inbox,
		Devices: a.stores.Devices, Jobs: a.stores.Jobs, Catalog: cat, DeviceMaxAge: a.cfg.DeviceMaxAge},
		a.now, log.With("component", "mandates"))
	pol.WithMandates(a.mandates)
	a.policy = pol
	a.casework = cases.NewService(a.stores.Cases, cat, pol, time.Now, log.With("component", "cases")).
		WithAccessLog(a.stores.AccessLog)
	if a.payments = a.newPayments(cat); a.payments != nil {
		if err := a.payments.Validate(); err != nil {
			return nil, err
		}
		a.casework.WithPayments()
		if a.sandbox != nil && a.sandbox.SNAP() != nil {
			a.sandbox.SNAP().SetNotifyURL(a.url + payments.NotificationPath + snap.PathVAPayment)
		}
	}
	priv, err := a.privacy(ports, cat)
	if err != nil {
		return nil, err
	}
	sender, err := a.pushSender(workCtx)
	if err != nil {
		return nil, err
	}
	pushMetrics := notifications.NewMetrics(reg, a.stores.Jobs)
	if a.cfg.Workers {
		if err := a.startWorkers(ctx, caseAPIs, cat, sender, pushMetrics, priv); err != nil {
			return nil, err
		}
	}

	if err := a.startWallet(); err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}

	res := &resolvers.Resolver{
		Now: time.Now, Logger: log, Casework: a.casework, Broker: a.stores.Broker, Agencies: ports,
		DeviceStore: a.stores.Devices, InboxStore: a.stores.Inbox, Wallet: a.wallet, Privacy: priv.resolvers,
		Policy: a.policy, Mandates: a.mandates,
		// Every instance derives the same key: ids are the same on each.
		IDKey:    globalid.KeyFrom(a.cfg.CacheKey),
		Payments: a.payments,
	}
	schema := exec.NewExecutableSchema(exec.Config{Resolvers: res})
	trusted, err := server.LoadTrustedDocuments(schema.Schema(), a.cfg.TrustedFiles)
	if err != nil {
		return nil, fmt.Errorf("SATUPINTU_TRUSTED_DOCUMENTS_FILE: %w", err)
	}
	if len(a.cfg.TrustedFiles) > 0 || a.cfg.TrustedMode != server.TrustedOff {
		log.Info("trusted documents", "mode", a.cfg.TrustedMode, "operations", trusted.Len(), "files", a.cfg.TrustedFiles)
	}
	deps := server.Deps{
		Logger:           log,
		Schema:           schema,
		Extensions:       []graphql.HandlerExtension{res.Extension()},
		Verifier:         verifier,
		Limits:           a.cfg.Limits,
		Introspection:    a.cfg.Mode == ModeDev,
		WebsocketOrigins: a.cfg.WSOrigins,
		WebsocketPing:    a.cfg.WSPing,
		Webhook: &server.Webhook{
			Events:  a.casework,
			Secrets: func(ag sp.Agency) [][]byte { return a.cfg.CaseSecrets[ag] },
			// With Redis, a replay seen by any instance is refused by every instance.
			Verifier:  signature.NewVerifier(time.Now, a.stores.Replays),
			AccessLog: a.stores.AccessLog,
		},
		Documents:  a.documentRoutes(),
		Keys:       a.cfg.SigningKeys,
		Exports:    a.stores.Exports,
		Admin:      &server.Admin{Jobs: a.stores.Jobs},
		AdminToken: a.cfg.AdminToken,
		Metrics:    reg,
		Ready:      append(readiness(a.stores.Ready), server.ReadinessCheck{Name: "identity-provider keys", Check: verifier.Ready}),
		RateLimits: server.RateLimits{
			Limiter:   a.stores.Limiter,
			Citizen:   a.cfg.RateCitizen,
			IP:        a.cfg.RateIP,
			WebhookIP: a.cfg.RateWebhookIP,
			// Every instance names a citizen or an address alike.
			KeySecret: derive(a.cfg.CacheKey, "rate limit keys"),
			Metrics:   server.NewRateLimitMetrics(reg),
		},
		TrustProxyHeaders: a.cfg.TrustProxyHeaders,
		APQ:               a.stores.APQ,
		TrustedDocuments:  trusted,
		TrustedMode:       a.cfg.TrustedMode,
		CORS:              server.CORS{Origins: a.cfg.CORSOrigins},
		Clients:           server.Clients{Releases: a.cfg.Releases, Known: server.DefaultClients},
		GraphQLMetrics:    server.NewGraphQLMetrics(reg),
	}
	if a.payments != nil {
		deps.PaymentNotifications = a.payments.NotificationHandler()
		deps.Receipts = a.payments.Receipts.Handler()
		deps.AdminPayments = a.payments.AdminHandler()
	}
	if a.cfg.Overload {
		deps.Overload = server.NewOverload(a.cfg.OverloadLimits, reg, log)
	}
	if a.sandbox != nil {
		deps.Dev = a.devTools()
	}

	a.srv = newHTTPServer(server.NewServer(deps), a.cfg.Limits.HeaderTimeout, log)
	serve(a.srv, ln, a.failed)
	if a.cfg.PprofAddr != "" {
		pln, err := net.Listen("tcp", a.cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("listening on %s (SATUPINTU_PPROF_ADDR): %w", a.cfg.PprofAddr, err)
		}
		a.pprofSrv = newHTTPServer(pprofmux.Handler(), a.cfg.Limits.HeaderTimeout, log)
		serve(a.pprofSrv, pln, a.failed)
		log.Info("profiling endpoint", "url", "http://"+loopbackAddr(pln.Addr())+"/debug/pprof/")
	}
	log.Info("satupintu listening", "url", a.url, "mode", a.cfg.Mode, "instance", a.cfg.Instance, "store", a.stores.Engine)
	if a.sandbox != nil {
		log.Info("dev mode: seeded citizens at "+a.url+"/dev/citizens, tokens from POST "+a.url+"/dev/token, playground at "+a.url+"/playground",
			"simulators", a.simURL)
	}
	ok = true
	return a, nil
}

// readiness are the store's checks as /readyz runs them.
func readiness(checks []store.Check) []server.ReadinessCheck {
	out := make([]server.ReadinessCheck, len(checks))
	for i, c := range checks {
		out[i] = server.ReadinessCheck{Name: c.Name, Check: c.Check, Optional: c.Optional}
	}
	return out
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
	if a.stores != nil {
		errs = append(errs, a.stores.Close())
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
