// Package auth verifies the identity provider's tokens (OIDC ID tokens from
// INApas, or the dev provider in sim/idp) and carries the verified citizen,
// the Principal, in the request context.
//
// Keys come from the provider's JWKS (parsed by jwkset, looked up by
// keyfunc), fetched again every hour and when a token names a kid the keys
// lack, so a key rotation at the provider needs no restart here; fetches
// start at least refreshGap apart, whatever tokens arrive.
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

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/golang-lru/v2/expirable"

	sp "github.com/satupintu/satupintu"
)

const (
	fetchTimeout   = 10 * time.Second // one discovery or JWKS request
	loadRetryEvery = 5 * time.Second  // while no keys are loaded, at most one attempt per 5s
	maxTokenBytes  = 16 << 10         // larger is not a token; do not parse it
	verifiedFor    = time.Minute      // how long a verified token is remembered
	verifiedMax    = 50_000           // tokens remembered at most (about 150 bytes each)
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
	verified *expirable.LRU[[sha256.Size]byte, verifiedToken]
	now      func() time.Time
	after    func(time.Duration) <-chan time.Time

	loading    chan struct{} // one load attempt at a time; guards lastTry, lastErr
	retryEvery time.Duration
	lastTry    time.Time
	lastErr    error
}

// NewVerifier validates cfg (it fills in nothing) and loads the provider's
// keys. A provider that cannot be reached yet does not fail the start: the
// load is retried on use, and Ready reports it. client nil means a plain
// client with a timeout; logger nil discards.
func NewVerifier(ctx context.Context, cfg Config, client *http.Client, logger *slog.Logger) (*Verifier, error) {
	return newVerifierAt(ctx, cfg, client, logger, time.Now, time.After)
}

// newVerifierAt is NewVerifier on the clock now/after (tests control it).
func newVerifierAt(ctx context.Context, cfg Config, client *http.Client, logger *slog.Logger,
	now func() time.Time, after func(time.Duration) <-chan time.Time) (*Verifier, error) {
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
		now:        now,
		after:      after,
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
	all, err := ks.store.KeyReadAll(ctx)
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
	errCritical    = errors.New("critical header extensions not supported")
	errNoIssuedAt  = errors.New("no issued-at (iat) claim")
	errLifetime    = errors.New("lifetime over the maximum")
)

// keyfunc refuses what it can see is wrong before looking up a key, so such
// a token never makes us fetch the JWKS: a critical extension, a token meant
// for someone else, no iat, a lifetime over the maximum. The parser checks
// issuer and audience again with the other claims, after the signature.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if err := critical(t.Header); err != nil {
			return nil, err
		}
		if iss, _ := t.Claims.GetIssuer(); iss != v.cfg.Issuer {
			return nil, errIssuer
		}
		if aud, _ := t.Claims.GetAudience(); !slices.Contains(aud, v.cfg.Audience) {
			return nil, errAudience
		}
		if err := v.lifetime(t.Claims); err != nil {
			return nil, err
		}
		ks, err := v.keySet(ctx)
		if err != nil {
			return nil, errors.Join(errUnavailable, err)
		}
		return v.key(ctx, ks, t)
	}
}

// critical refuses a header with "crit": its names are extensions the
// recipient must understand or reject the token (RFC 7515 §4.1.11), and
// this verifier understands none. A malformed "crit" is refused too.
func critical(header map[string]any) error {
	c, ok := header["crit"]
	if !ok {
		return nil
	}
	names, ok := c.([]any)
	if !ok || len(names) == 0 {
		return fmt.Errorf("%w: malformed crit (%T)", errCritical, c)
	}
	return fmt.Errorf("%w: crit names %d", errCritical, len(names))
}

// lifetime requires iat (OpenID Connect Core §2 makes it mandatory in an ID
// token) and refuses exp − iat over MaxLifetime: a token minted to last for
// weeks is a stolen signing key's or a misconfigured provider's, and one
// leaked would be usable that long. A missing exp is left to the parser.
func (v *Verifier) lifetime(c jwt.Claims) error {
	iat, err := c.GetIssuedAt()
	if err != nil {
		return fmt.Errorf("%w: %w", jwt.ErrTokenMalformed, err)
	}
	if iat == nil {
		return errNoIssuedAt
	}
	exp, err := c.GetExpirationTime()
	if err != nil {
		return fmt.Errorf("%w: %w", jwt.ErrTokenMalformed, err)
	}
	if exp == nil {
		return nil
	}
	if life := exp.Sub(iat.Time); life > v.cfg.MaxLifetime {
		return fmt.Errorf("%w: %s, at most %s", errLifetime, life, v.cfg.MaxLifetime)
	}
	return nil
}

// rejected maps a parser error to what the client is told.
func rejected(err error) *sp.Error {
	switch {
	case errors.Is(err, errUnavailable):
		return &sp.Error{Code: sp.CodeUnavailable, Message: "sign-in service unreachable: try again shortly", Err: err}
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("token is malformed: sign in again", err)
	case errors.Is(err, errCritical):
		return unauthenticated("token requires header extensions (crit) this service does not support: sign in again", err)
	case errors.Is(err, errIssuer), errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthenticated("token is not from the accepted sign-in service (issuer): sign in again", err)
	case errors.Is(err, errAudience), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthenticated("token is not for this service (audience): sign in again", err)
	case errors.Is(err, errNoIssuedAt):
		return unauthenticated("token has no issue time (iat): sign in again", err)
	case errors.Is(err, errLifetime):
		return unauthenticated("token lifetime (exp − iat) is longer than this service accepts: sign in again", err)
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
	if v.lastErr != nil && v.now().Sub(v.lastTry) < v.retryEvery {
		return nil, v.lastErr
	}
	v.lastTry = v.now()
	ks, err := v.load(ctx)
	if err != nil {
		v.lastErr = err
		return nil, err
	}
	v.keys.Store(ks)
	go v.refreshEveryHour(ks)
	v.log.InfoContext(ctx, "auth: identity provider keys loaded", "issuer", v.cfg.Issuer)
	return ks, nil
}

// load finds the JWKS URL and fetches the keys; the first fetch must
// succeed, so "loaded" means keys were seen at least once.
func (v *Verifier) load(ctx context.Context) (*keySet, error) {
	if err := v.life.Err(); err != nil {
		return nil, fmt.Errorf("auth: verifier stopped: %w", err)
	}
	jwksURL := v.cfg.JWKSURL
	if jwksURL == "" {
		u, err := v.discover(ctx)
		if err != nil {
			return nil, err
		}
		jwksURL = u
	}
	ks, err := newKeySet(v, jwksURL)
	if err != nil {
		return nil, err
	}
	started := v.now()
	if err := ks.fetch(ctx); err != nil {
		return nil, err
	}
	ks.fresh = started // no fetch runs yet: no lock needed
	return ks, nil
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
