package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/satupintu/satupintu/sim/seed"
)

// Through the real server and its dev identity provider, real signatures:
// the lifetime limit comes from SATUPINTU_AUTH_MAX_TOKEN_LIFETIME, and a
// key rotation just after someone sent an unknown kid (which used up a JWKS
// fetch) does not lock the new key's tokens out; it did for a minute.
func TestTokenLifetimeAndRotation(t *testing.T) {
	ta := startApp(t, map[string]string{"SATUPINTU_AUTH_MAX_TOKEN_LIFETIME": "2h"})
	p := ta.sandbox.IdP()
	const home = `{ home { name } }`
	claims := func(iat, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{
			"iss": p.Issuer(), "aud": ta.cfg.Auth.Audience, "sub": "s", "nik": string(seed.NIKBudi),
			"iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix(),
		}
	}
	refused := func(t *testing.T, tok, want string) {
		t.Helper()
		r := ta.post(tok, home, nil)
		if r.Status != http.StatusUnauthorized || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" ||
			!strings.Contains(r.Errors[0].Message, want) {
			t.Fatalf("HTTP %d errors %+v, want 401 UNAUTHENTICATED saying %q", r.Status, r.Errors, want)
		}
	}

	t.Run("lifetime", func(t *testing.T) {
		now := time.Now()
		long, err := p.Sign(claims(now, now.Add(3*time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		refused(t, long, "lifetime")
		noIAT := claims(now, now.Add(time.Hour))
		delete(noIAT, "iat")
		tok, err := p.Sign(noIAT)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, tok, "iat")
		two, err := p.Sign(claims(now.Add(-time.Hour), now.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if r := ta.post(two, home, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("token of the maximum lifetime: HTTP %d errors %+v", r.Status, r.Errors)
		}
	})

	// A header the verifier must understand (crit) is refused, even when
	// signed by the issuer's own key with good claims.
	t.Run("crit", func(t *testing.T) {
		now := time.Now()
		tok, err := p.SignWithHeader(claims(now, now.Add(time.Hour)), map[string]any{"crit": []string{"exp"}})
		if err != nil {
			t.Fatal(err)
		}
		refused(t, tok, "crit")
		plain, err := p.Sign(claims(now, now.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if r := ta.post(plain, home, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("the same token without crit: HTTP %d errors %+v", r.Status, r.Errors)
		}
	})

	t.Run("rotation after an unknown kid", func(t *testing.T) {
		stranger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		junk := jwt.NewWithClaims(jwt.SigningMethodES256, claims(now, now.Add(time.Hour)))
		junk.Header["kid"] = rand.Text()
		tok, err := junk.SignedString(stranger)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, tok, "signature")
		if err := p.Rotate(); err != nil {
			t.Fatal(err)
		}
		fresh := ta.token(seed.NIKBudi) // signed with the new key
		start := time.Now()
		if r := ta.post(fresh, home, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("token of the new key: HTTP %d errors %+v", r.Status, r.Errors)
		}
		t.Logf("the new key's first token was served after %s (it waited for the next JWKS fetch)", time.Since(start).Round(time.Millisecond))
	})
}
