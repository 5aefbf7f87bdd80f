// Package idp is the dev identity provider: a stand-in for INApas, the
// national OIDC single sign-on. It publishes an OpenID discovery document and
// a JWK set, and mints ES256 ID tokens carrying the citizen's NIK, so dev mode
// and the tests run satupintu's real token verification against it.
//
// It serves, relative to its issuer URL:
//
//	GET /.well-known/openid-configuration  the discovery document
//	GET /jwks.json                         the public keys, old ones kept after Rotate
//
// It has no login pages: dev mode and the tests mint tokens with Mint.
package idp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
)

// subjectKey derives the opaque subject from a NIK. It is fixed, not secret:
// this is a dev provider, and a fixed key keeps a citizen's subject stable
// across restarts, as a real provider's would be.
var subjectKey = []byte("satupintu dev idp subject v1")

// Provider is the dev identity provider. It is safe for concurrent use.
type Provider struct {
	issuer string
	now    func() time.Time

	mu      sync.RWMutex
	current signingKey           // signs new tokens
	public  *jwkset.MemoryJWKSet // every key ever used, served as the JWKS
}

type signingKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

// New starts a provider named issuer (an absolute http(s) URL, e.g.
// http://127.0.0.1:41234/idp) with a fresh P-256 signing key.
func New(issuer string) (*Provider, error) {
	issuer = strings.TrimRight(issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("idp: issuer must be an absolute http(s) URL, got %q", issuer)
	}
	p := &Provider{issuer: issuer, now: time.Now, public: jwkset.NewMemoryStorage()}
	if err := p.Rotate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Issuer returns the issuer URL, the "iss" of every token.
func (p *Provider) Issuer() string { return p.issuer }

// Rotate adds a new signing key (new kid) and signs with it from now on.
// The old public key stays in the JWKS so tokens already issued still verify.
func (p *Provider) Rotate() error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("idp: generate key: %w", err)
	}
	kid := make([]byte, 8)
	if _, err := rand.Read(kid); err != nil {
		return fmt.Errorf("idp: generate kid: %w", err)
	}
	k := signingKey{kid: hex.EncodeToString(kid), priv: priv}
	jwk, err := jwkset.NewJWKFromKey(&priv.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgES256, KID: k.kid, USE: jwkset.UseSig},
	})
	if err != nil {
		return fmt.Errorf("idp: public key as JWK: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.public.KeyWrite(context.Background(), jwk); err != nil {
		return fmt.Errorf("idp: store JWK: %w", err)
	}
	p.current = k
	return nil
}

// Subject returns the opaque subject the provider gives a citizen: stable,
// and not the NIK.
func Subject(nik sp.NIK) string {
	m := hmac.New(sha256.New, subjectKey)
	m.Write([]byte(nik))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Mint issues an ID token for the citizen nik, valid for ttl, meant for
// audience (the client id of the relying party).
func (p *Provider) Mint(nik sp.NIK, audience string, ttl time.Duration) (token string, expiresAt time.Time, err error) {
	if _, err := sp.ParseNIK(string(nik)); err != nil {
		return "", time.Time{}, fmt.Errorf("idp: mint: %w", err)
	}
	if audience == "" {
		return "", time.Time{}, errors.New("idp: mint: audience is required")
	}
	if ttl <= 0 {
		return "", time.Time{}, fmt.Errorf("idp: mint: ttl must be positive, got %s", ttl)
	}
	now := p.now().Truncate(time.Second)
	exp := now.Add(ttl)
	token, err = p.Sign(map[string]any{
		"iss": p.issuer,
		"sub": Subject(nik),
		"aud": audience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": exp.Unix(),
		"nik": string(nik),
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, exp, nil
}

// Sign signs arbitrary claims with the current key, kid in the header. Tests
// use it for tokens Mint would never issue (expired, no NIK, ...).
func (p *Provider) Sign(claims map[string]any) (string, error) { return p.SignWithHeader(claims, nil) }

// SignWithHeader is Sign with extra JOSE header parameters (crit, say).
func (p *Provider) SignWithHeader(claims, header map[string]any) (string, error) {
	p.mu.RLock()
	k := p.current
	p.mu.RUnlock()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims))
	for name, v := range header {
		t.Header[name] = v
	}
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("idp: sign: %w", err)
	}
	return s, nil
}

// KeyID returns the kid of the key that signs new tokens.
func (p *Provider) KeyID() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.current.kid
}

// Handler serves the discovery document and the JWKS, paths relative to the
// issuer (mount it with the issuer's path stripped).
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks.json", p.jwks)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": "not_found", "error_description": "the dev identity provider serves only /.well-known/openid-configuration and /jwks.json",
		})
	})
	return mux
}

// Discovery is the subset of the OpenID Provider Metadata this provider
// publishes. It has no authorization or token endpoint: tokens come from Mint.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Discovery{
		Issuer:                           p.issuer,
		JWKSURI:                          p.issuer + "/jwks.json",
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"pairwise"},
		IDTokenSigningAlgValuesSupported: []string{"ES256"},
		ClaimsSupported:                  []string{"iss", "sub", "aud", "iat", "nbf", "exp", "nik"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	body, err := p.public.JSONPublic(r.Context())
	p.mu.RUnlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
