package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/satupintu/satupintu/sim/seed"
)

// Every bad token is refused with UNAUTHENTICATED and HTTP 401 before any
// agency is called.
func TestBadTokensAreRefused(t *testing.T) {
	ta := startApp(t, nil)
	p := ta.sandbox.IdP()
	now := time.Now()
	claims := func(over map[string]any) map[string]any {
		c := map[string]any{
			"iss": p.Issuer(), "aud": ta.cfg.Auth.Audience, "sub": "s", "nik": string(seed.NIKBudi),
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	sign := func(c map[string]any) string {
		tok, err := p.Sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	expired := sign(claims(map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}))
	wrongAud, _, err := p.Mint(seed.NIKBudi, "another-app", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(claims(nil))).SignedString(jwt.UnsafeAllowNoneSignatureType)

	// The key-confusion attack: HS256 keyed with the published public key.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims(nil)))
	hs.Header["kid"] = p.KeyID()
	confused, _ := hs.SignedString(publicKeyPEM(t, ta.simURL+"/idp/jwks.json", p.KeyID()))

	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	unknown := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims(nil)))
	unknown.Header["kid"] = "not-a-key-of-the-issuer"
	unknownKid, _ := unknown.SignedString(stranger)

	before := ta.counts()
	for name, tok := range map[string]string{
		"no token":                  "",
		"garbage":                   "not.a.jwt",
		"expired":                   expired,
		"wrong audience":            wrongAud,
		"alg none":                  none,
		"HS256 with the public key": confused,
		"unknown kid":               unknownKid,
	} {
		t.Run(name, func(t *testing.T) {
			r := ta.post(tok, `{ home { name } }`, nil)
			if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Errorf("HTTP %d errors %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
			}
			if r.Data != nil {
				t.Errorf("data = %v", r.Data)
			}
		})
	}
	for a, n := range ta.counts() {
		if n != before[a] {
			t.Errorf("%s was called %d times for refused tokens", a, n-before[a])
		}
	}
	// The token is never logged.
	for _, tok := range []string{expired, confused, unknownKid} {
		if strings.Contains(ta.logs.String(), tok) {
			t.Error("a token reached the log")
		}
	}
}

// publicKeyPEM fetches the issuer's published key kid as PEM, as an
// attacker would.
func publicKeyPEM(t *testing.T, jwksURL, kid string) []byte {
	t.Helper()
	resp, err := http.Get(jwksURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jwkset.JWKSMarshal
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.KID != kid {
			continue
		}
		jwk, err := jwkset.NewJWKFromMarshal(k, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(jwk.Key())
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	t.Fatalf("kid %s not in the JWKS", kid)
	return nil
}
