package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/auth"
	"github.com/satupintu/satupintu/ratelimit"
)

// RateLimits are the request rates admitted: /graphql per client IP
// before anything else, per citizen once the token is verified; the agency
// webhook per sending IP, before the body is read or the signature checked.
type RateLimits struct {
	Limiter ratelimit.Limiter // nil: no rate limits
	Citizen ratelimit.Limit   // zero: off
	IP      ratelimit.Limit   // zero: off
	// WebhookIP is the agency webhook's own budget per IP (agencies send
	// from few addresses, in bursts after an outage); zero: off.
	WebhookIP ratelimit.Limit
	// KeySecret names citizens and IPs in limiter keys by an HMAC. Instances
	// sharing a Redis must share it; nil is a random one per process.
	KeySecret []byte
	Metrics   *RateLimitMetrics // nil: not counted
	// Timeout bounds one limiter call; past it the request passes. Default
	// 250ms.
	Timeout time.Duration
}

// RateLimitMetrics counts rate-limit decisions.
type RateLimitMetrics struct {
	decisions *prometheus.CounterVec
}

// NewRateLimitMetrics registers satupintu_rate_limit_decisions_total on reg.
func NewRateLimitMetrics(reg prometheus.Registerer) *RateLimitMetrics {
	m := &RateLimitMetrics{decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "satupintu_rate_limit_decisions_total",
		Help: "Rate-limit checks by limit (ip and citizen: /graphql; webhook_ip: the agency webhook) and result: allowed, limited, failed_open (the limiter's store failed; the request passed).",
	}, []string{"limit", "result"})}
	reg.MustRegister(m.decisions)
	return m
}

func (m *RateLimitMetrics) count(limit, result string) {
	if m != nil {
		m.decisions.WithLabelValues(limit, result).Inc()
	}
}

// warnEvery is how often a failing limiter is logged at most.
const warnEvery = 10 * time.Second

// rateLimiter applies RateLimits to HTTP requests.
type rateLimiter struct {
	RateLimits
	trustProxy bool
	log        *slog.Logger
	now        func() time.Time
	lastWarn   atomic.Int64 // unix nanoseconds of the last warning; 0: none yet
}

func newRateLimiter(d Deps) *rateLimiter {
	rl := &rateLimiter{RateLimits: d.RateLimits, trustProxy: d.TrustProxyHeaders, log: d.Logger, now: d.Now}
	if rl.KeySecret == nil {
		rl.KeySecret = make([]byte, 32)
		_, _ = rand.Read(rl.KeySecret)
	}
	if rl.Timeout <= 0 {
		rl.Timeout = 250 * time.Millisecond
	}
	return rl
}

// perIP counts every request to /graphql, a websocket upgrade once per
// connection.
func (rl *rateLimiter) perIP(next http.Handler) http.Handler {
	return rl.perAddress("ip", rl.IP, writeRateLimited, next)
}

// webhookPerIP counts every agency webhook call, in a budget apart from
// /graphql's, refused in the agency contract's error shape.
func (rl *rateLimiter) webhookPerIP(next http.Handler) http.Handler {
	return rl.perAddress("webhook_ip", rl.WebhookIP, writeAgencyRateLimited, next)
}

// perAddress applies l per client address, its keys named kind.
func (rl *rateLimiter) perAddress(kind string, l ratelimit.Limit, refuse func(http.ResponseWriter, context.Context, ratelimit.Decision), next http.Handler) http.Handler {
	if rl.Limiter == nil || l.IsZero() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := kind + ":" + rl.name(clientNet(r, rl.trustProxy))
		if d := rl.allow(r.Context(), kind, key, l); !d.Allowed {
			refuse(w, r.Context(), d)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// perCitizen counts the requests of the authenticated citizen. A websocket
// upgrade carries none: its citizen is counted at connection_init.
func (rl *rateLimiter) perCitizen(next http.Handler) http.Handler {
	if rl.Limiter == nil || rl.Citizen.IsZero() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if d := rl.citizen(r.Context(), p); !d.Allowed {
			writeRateLimited(w, r.Context(), d)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// citizen checks p's limit; with no limiter or limit, everything passes.
func (rl *rateLimiter) citizen(ctx context.Context, p auth.Principal) ratelimit.Decision {
	if rl == nil || rl.Limiter == nil || rl.Citizen.IsZero() {
		return ratelimit.Decision{Allowed: true}
	}
	return rl.allow(ctx, "citizen", "citizen:"+rl.name(string(p.NIK)), rl.Citizen)
}

// allow asks the limiter; when its store fails the request passes (a
// Redis outage must not take the API down with it).
func (rl *rateLimiter) allow(ctx context.Context, kind, key string, l ratelimit.Limit) ratelimit.Decision {
	ctx, cancel := context.WithTimeout(ctx, rl.Timeout)
	defer cancel()
	d, err := rl.Limiter.Allow(ctx, key, l)
	switch {
	case err != nil:
		rl.Metrics.count(kind, "failed_open")
		rl.warn(ctx, kind, err)
		return ratelimit.Decision{Allowed: true}
	case d.Allowed:
		rl.Metrics.count(kind, "allowed")
	default:
		rl.Metrics.count(kind, "limited")
	}
	return d
}

// warn logs a limiter failure at most once per warnEvery.
func (rl *rateLimiter) warn(ctx context.Context, kind string, err error) {
	now := rl.now().UnixNano()
	last := rl.lastWarn.Load()
	if last != 0 && now-last < int64(warnEvery) || !rl.lastWarn.CompareAndSwap(last, now) {
		return
	}
	rl.log.WarnContext(ctx, "rate limiter failed: requests pass unlimited until it is back",
		"request_id", sp.RequestIDFrom(ctx), "limit", kind, "error", err.Error())
}

// name is the pseudonym of a citizen or address in limiter keys: neither a
// NIK nor an IP is ever written to Redis.
func (rl *rateLimiter) name(s string) string {
	m := hmac.New(sha256.New, rl.KeySecret)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// clientNet is the client's address as counted: an IPv4 address, or the
// /64 of an IPv6 one (a single device may hold a whole /64). The peer is
// the client unless trustProxy says a proxy in front sets X-Forwarded-For,
// whose left-most entry is then the client.
func clientNet(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ","); strings.TrimSpace(first) != "" {
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return addrNet(a)
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return addrNet(a)
	}
	return host
}

func addrNet(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// writeRateLimited answers 429 with Retry-After and the GraphQL error shape.
func writeRateLimited(w http.ResponseWriter, ctx context.Context, d ratelimit.Decision) {
	secs := retryAfterSeconds(d.RetryAfter)
	msg := sp.Text{
		ID: fmt.Sprintf("Terlalu banyak permintaan; coba lagi dalam %d detik.", secs),
		EN: fmt.Sprintf("Too many requests; try again in %d s.", secs),
	}.In(sp.LangFrom(ctx))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, sp.CodeRateLimited.HTTPStatus(), map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{
			"code": sp.CodeRateLimited, "retryAfter": secs,
		}}},
	})
}

// writeAgencyRateLimited answers an agency 429 with Retry-After, in the
// contract's error shape (api/agency.yaml); agencies retry on 429.
func writeAgencyRateLimited(w http.ResponseWriter, _ context.Context, d ratelimit.Decision) {
	secs := retryAfterSeconds(d.RetryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]string{
		"code": "RATE_LIMITED", "message": fmt.Sprintf("too many events from this address; send again in %d s", secs),
	}})
}
