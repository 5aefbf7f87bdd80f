// Package auth verifies the identity provider's tokens (OIDC ID tokens from
// INApas, or the dev provider in sim/idp) and carries the verified citizen,
// the Principal, in the request context.
//
// Keys come from the provider's JWKS through keyfunc/jwkset: refreshed in the
// background, and again (rate limited) when a token names an unknown kid, so
// a key rotation at the provider needs no restart here.
//
// A token that verified is remembered (by its SHA-256, never the token
// itself) for up to a minute and never past its expiry: an app sends the
// same token with every request, and checking its signature again is the
// costliest step of an authenticated request. Failures are not remembered.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	sp "github.com/satupintu/satupintu"
)

const (
	fetchTimeout    = 10 * time.Second // one discovery or JWKS request
	refreshEvery    = time.Hour        // background JWKS refresh
	unknownKIDEvery = time.Minute      // at most one refresh for unknown kids per minute
	loadRetryEvery  = 5 * time.Second  // while no keys are loaded, at most one attempt per 5s
	maxTokenBytes   = 16 << 10         // larger is not a token; do not parse it
	verifiedFor     = time.Minute      // how long a verified token is remembered
	verifiedMax     = 50_000           // tokens remembered at most (about 150 bytes each)
)

// Verifier checks tokens. It is safe for concurrent use; its background
// refresh stops when the context given to NewVerifier ends.
type Verifier struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	life   context.Context
	parser *jwt.Parser

	keys     atomic.Pointer[keySet] // nil until the first JWKS fetch succeeds
	lookups  singleflight.Group     // by alg and kid
	verified *expirable.LRU[[sha256.Size]byte, verifiedToken]
	now      func() time.Time

	loading    chan struct{} // one load attempt at a time; guards lastTry, lastErr
	retryEvery time.Duration
	lastTry    time.Time
	lastErr    error
}

type keySet struct {
	kf   keyfunc.Keyfunc
	stop context.CancelFunc // ends the background refresh; v.life's end does too
}

// NewVerifier validates cfg (it fills in nothing) and loads the provider's
// keys. A provider that cannot be reached yet does not fail the start: the
// load is retried on use, and Ready reports it. client nil means a plain
// client with a timeout; logger nil discards.
func NewVerifier(ctx context.Context, cfg Config, client *http.Client, logger *slog.Logger) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: fetchTimeout}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{
		cfg:        cfg,
		client:     client,
		log:        logger,
		life:       ctx,
		loading:    make(chan struct{}, 1),
		retryEvery: loadRetryEvery,
		verified:   expirable.NewLRU[[sha256.Size]byte, verifiedToken](verifiedMax, nil, verifiedFor),
		now:        time.Now,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(cfg.Algorithms),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }), // one clock for the parser and the cache
	)
	if _, err := v.keySet(ctx); err != nil {
		logger.WarnContext(ctx, "auth: identity provider keys not loaded yet; retrying on use", "issuer", cfg.Issuer, "error", err)
	}
	return v, nil
}

// Ready reports whether the provider's keys are loaded, trying to load them
// if not (at most once per few seconds).
func (v *Verifier) Ready(ctx context.Context) error {
	ks, err := v.keySet(ctx)
	if err != nil {
		return err
	}
	all, err := ks.kf.Storage().KeyReadAll(ctx)
	if err != nil {
		return fmt.Errorf("auth: read keys: %w", err)
	}
	if len(all) == 0 {
		return errors.New("auth: the identity provider's key set is empty")
	}
	return nil
}

// Verify checks raw (the token, without "Bearer ") and returns the citizen
// it names. Every failure is an *sp.Error: UNAUTHENTICATED with a message
// saying what to do, or UNAVAILABLE when the provider's keys cannot be had.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if raw == "" {
		return Principal{}, unauthenticated("no token: sign in", nil)
	}
	if len(raw) > maxTokenBytes {
		return Principal{}, unauthenticated("token is malformed: sign in again", fmt.Errorf("token of %d bytes", len(raw)))
	}
	sum := sha256.Sum256([]byte(raw))
	if t, ok := v.verified.Get(sum); ok {
		if v.now().Before(t.until) {
			return t.p, nil
		}
		v.verified.Remove(sum)
	}
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(raw, claims, v.keyfunc(ctx)); err != nil {
		return Principal{}, rejected(err)
	}
	s, _ := claims[v.cfg.NIKClaim].(string)
	nik, err := sp.ParseNIK(s)
	if err != nil {
		return Principal{}, unauthenticated("token has no valid NIK claim: sign in again", fmt.Errorf("claim %q: %w", v.cfg.NIKClaim, err))
	}
	sub, _ := claims.GetSubject()
	exp, _ := claims.GetExpirationTime() // required by the parser
	p := Principal{NIK: nik, Subject: sub, ExpiresAt: exp.Time}
	// Accepted until the parser would refuse it: expiry plus leeway.
	v.verified.Add(sum, verifiedToken{p: p, until: exp.Add(v.cfg.Leeway)})
	return p, nil
}

// verifiedToken is a token that verified, and until when it is accepted
// without checking again (the cache's own minute bounds it too).
type verifiedToken struct {
	p     Principal
	until time.Time
}

var (
	errIssuer      = errors.New("issuer not accepted")
	errAudience    = errors.New("audience not accepted")
	errUnavailable = errors.New("identity provider keys unavailable")
)

// keyfunc checks issuer and audience before looking up a key, so a token
// meant for someone else never makes us fetch the JWKS; the parser checks
// them again with the other claims.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if iss, _ := t.Claims.GetIssuer(); iss != v.cfg.Issuer {
			return nil, errIssuer
		}
		if aud, _ := t.Claims.GetAudience(); !slices.Contains(aud, v.cfg.Audience) {
			return nil, errAudience
		}
		ks, err := v.keySet(ctx)
		if err != nil {
			return nil, errors.Join(errUnavailable, err)
		}
		// Requests naming the same new kid share the one refresh it causes,
		// rather than failing while it is in flight. The lookup outlives a
		// cancelled caller (others may wait on it); the library bounds it.
		alg, _ := t.Header["alg"].(string)
		kid, ok := t.Header["kid"].(string)
		if !ok {
			return ks.kf.KeyfuncCtx(ctx)(t)
		}
		key, err, _ := v.lookups.Do(alg+" "+kid, func() (any, error) {
			return ks.kf.KeyfuncCtx(context.WithoutCancel(ctx))(t)
		})
		return key, err
	}
}

// rejected maps a parser error to what the client is told.
func rejected(err error) *sp.Error {
	switch {
	case errors.Is(err, errUnavailable):
		return &sp.Error{Code: sp.CodeUnavailable, Message: "sign-in service unreachable: try again shortly", Err: err}
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("token is malformed: sign in again", err)
	case errors.Is(err, errIssuer), errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthenticated("token is not from the accepted sign-in service (issuer): sign in again", err)
	case errors.Is(err, errAudience), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthenticated("token is not for this service (audience): sign in again", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthenticated("token signature not accepted: sign in again", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("token expired: sign in again", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthenticated("token not valid yet: check the device clock", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("token issued in the future: check the device clock", err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthenticated("token has no expiry: sign in again", err)
	}
	return unauthenticated("token not accepted: sign in again", err)
}

func unauthenticated(msg string, cause error) *sp.Error {
	return &sp.Error{Code: sp.CodeUnauthenticated, Message: msg, Err: cause}
}

// keySet returns the loaded keys, loading them first if no load has
// succeeded yet. While the provider is unreachable, callers share one
// attempt per retryEvery and otherwise get the last failure at once.
func (v *Verifier) keySet(ctx context.Context) (*keySet, error) {
	if ks := v.keys.Load(); ks != nil {
		return ks, nil
	}
	select {
	case v.loading <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.loading }()
	if ks := v.keys.Load(); ks != nil {
		return ks, nil
	}
	if v.lastErr != nil && time.Since(v.lastTry) < v.retryEvery {
		return nil, v.lastErr
	}
	v.lastTry = time.Now()
	kf, stop, err := v.load(ctx)
	if err != nil {
		v.lastErr = err
		return nil, err
	}
	ks := &keySet{kf: kf, stop: stop}
	v.keys.Store(ks)
	v.log.InfoContext(ctx, "auth: identity provider keys loaded", "issuer", v.cfg.Issuer)
	return ks, nil
}

// load finds the JWKS URL and builds the keyfunc over it; the first fetch
// must succeed, so "loaded" means keys were seen at least once.
func (v *Verifier) load(ctx context.Context) (keyfunc.Keyfunc, context.CancelFunc, error) {
	if err := v.life.Err(); err != nil {
		return nil, nil, fmt.Errorf("auth: verifier stopped: %w", err)
	}
	jwksURL := v.cfg.JWKSURL
	if jwksURL == "" {
		u, err := v.discover(ctx)
		if err != nil {
			return nil, nil, err
		}
		jwksURL = u
	}
	life, cancel := context.WithCancel(v.life)
	failFirst := false
	kf, err := keyfunc.NewDefaultOverrideCtx(life, []string{jwksURL}, keyfunc.Override{
		Client:                    v.client,
		HTTPTimeout:               fetchTimeout,
		NoErrorReturnFirstHTTPReq: &failFirst,
		RefreshInterval:           refreshEvery,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(unknownKIDEvery), 1),
		// Bounds both the wait for the limiter and the refresh itself: an
		// unknown kid early in the interval fails at once, not after a minute.
		RateLimitWaitMax: fetchTimeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				v.log.WarnContext(ctx, "auth: refreshing the identity provider's keys failed", "url", u, "error", err)
			}
		},
	})
	if err != nil {
		cancel() // stops the refresh goroutine the library already started
		return nil, nil, fmt.Errorf("auth: fetch JWKS %s: %w", jwksURL, err)
	}
	return kf, cancel, nil
}

// discover reads the JWKS URL from the OpenID discovery document.
func (v *Verifier) discover(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	u := strings.TrimRight(v.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("auth: discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("auth: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("auth: discovery %s: status %d", u, resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("auth: discovery %s: %w", u, err)
	}
	// OpenID Connect Discovery 1.0 §4.3: the document must name the issuer
	// it was fetched for.
	if doc.Issuer != v.cfg.Issuer {
		return "", fmt.Errorf("auth: discovery %s names issuer %q, want %q", u, doc.Issuer, v.cfg.Issuer)
	}
	if err := checkURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("auth: discovery %s: jwks_uri: %w", u, err)
	}
	return doc.JWKSURI, nil
}
