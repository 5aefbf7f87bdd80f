package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim/idp"
)

const (
	audience = "satupintu-test"
	citizen  = sp.NIK("3174015708900001")
)

// idpServer is the real dev provider on loopback, issuer = server URL, with
// counters of what the verifier fetched and a switch to take it down.
type idpServer struct {
	*idp.Provider
	srv       *httptest.Server
	down      atomic.Bool
	discovery atomic.Int64
	jwks      atomic.Int64
}

func startIdP(t testing.TB) *idpServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	p, err := idp.New("http://" + srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := &idpServer{Provider: p, srv: srv}
	h := p.Handler()
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			s.discovery.Add(1)
		case "/jwks.json":
			s.jwks.Add(1)
		}
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return s
}

func (s *idpServer) config() Config {
	return Config{Issuer: s.Issuer(), Audience: audience}.WithDefaults()
}

func newVerifier(t testing.TB, s *idpServer, cfg Config) *Verifier {
	t.Helper()
	v, err := NewVerifier(t.Context(), cfg, s.srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newClockedVerifier is newVerifier on clk, a clock only the test moves.
func newClockedVerifier(t testing.TB, s *idpServer, cfg Config, clk *testkit.Clock) *Verifier {
	t.Helper()
	v, err := newVerifierAt(t.Context(), cfg, s.srv.Client(), nil, clk.Now, clk.After)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mint(t testing.TB, s *idpServer) string {
	t.Helper()
	tok, _, err := s.Mint(citizen, audience, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// claims are those of a good token; mod spoils them.
func claims(s *idpServer, mod func(c map[string]any)) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": s.Issuer(), "sub": idp.Subject(citizen), "aud": audience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"nik": string(citizen),
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(t testing.TB, s *idpServer, mod func(c map[string]any)) string {
	t.Helper()
	tok, err := s.Sign(claims(s, mod))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wantRejected checks err is UNAUTHENTICATED with a message containing want.
func wantRejected(t *testing.T, err error, want string) {
	t.Helper()
	var e *sp.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *sp.Error", err)
	}
	if e.Code != sp.CodeUnauthenticated || !strings.Contains(e.Message, want) {
		t.Fatalf("got %s %q, want UNAUTHENTICATED containing %q (cause: %v)", e.Code, e.Message, want, e.Err)
	}
}

func TestVerifyValid(t *testing.T) {
	s := startIdP(t)
	v := newVerifier(t, s, s.config())
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	tok, exp, err := s.Mint(citizen, audience, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	want := Principal{NIK: citizen, Subject: idp.Subject(citizen), ExpiresAt: exp}
	if p.NIK != want.NIK || p.Subject != want.Subject || !p.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("principal = %+v, want %+v", p, want)
	}
	if s.discovery.Load() != 1 || s.jwks.Load() != 1 {
		t.Errorf("fetched discovery %d and JWKS %d times, want once each", s.discovery.Load(), s.jwks.Load())
	}
}

func TestVerifyAccepts(t *testing.T) {
	s := startIdP(t)
	v := newVerifier(t, s, s.config())
	for name, mod := range map[string]func(map[string]any){
		"expired within leeway":       func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Second).Unix() },
		"nbf within leeway":           func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Second).Unix() },
		"audience among several":      func(c map[string]any) { c["aud"] = []string{"other-app", audience} },
		"no nbf (optional)":           func(c map[string]any) { delete(c, "nbf") },
		"NIK with surrounding spaces": func(c map[string]any) { c["nik"] = " " + string(citizen) + " " },
	} {
		t.Run(name, func(t *testing.T) {
			p, err := v.Verify(t.Context(), sign(t, s, mod))
			if err != nil {
				t.Fatal(err)
			}
			if p.NIK != citizen {
				t.Errorf("NIK = %s", p.NIK.Masked())
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	s := startIdP(t)
	other := startIdP(t) // an unrelated provider
	clk := testkit.NewClock(time.Now())
	v := newClockedVerifier(t, s, s.config(), clk)
	hour := time.Hour

	// The IdP's public key, as an attacker fetches it.
	resp, err := http.Get(s.srv.URL + "/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	jwksBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(jwksBody, &set); err != nil {
		t.Fatal(err)
	}
	keys, err := set.JWKSlice()
	if err != nil || len(keys) != 1 {
		t.Fatalf("JWKS: %v, %d keys", err, len(keys))
	}
	der, err := x509.MarshalPKIXPublicKey(keys[0].Key().(*ecdsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	signWith := func(m jwt.SigningMethod, key any, kid string) string {
		tk := jwt.NewWithClaims(m, jwt.MapClaims(claims(s, nil)))
		if kid != "" {
			tk.Header["kid"] = kid
		}
		out, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	mintFor := func(p *idpServer, aud string) string {
		tok, _, err := p.Mint(citizen, aud, hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(t, s)
	parts := strings.Split(good, ".")
	fetched := s.jwks.Load() // the verifier's start and the attacker's look
	// A second after the keys were loaded, the clock stands still for the
	// cases: the fetch the first unknown kid causes answers for every token
	// presented at that instant.
	clk.Advance(time.Second)

	cases := []struct {
		name, token, want string
	}{
		{"empty", "", "no token"},
		{"garbage", "not a token", "malformed"},
		{"three empty parts", "..", "malformed"},
		{"bad base64", "!!!.@@@.###", "malformed"},
		{"header not JSON", "bm90IGpzb24." + parts[1] + "." + parts[2], "malformed"},
		{"two parts", parts[0] + "." + parts[1], "malformed"},
		{"huge", strings.Repeat("A", maxTokenBytes+1), "malformed"},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(sign(t, s, func(c map[string]any) { c["sub"] = "x" }), ".")[2], "signature not accepted"},
		{"claims altered", parts[0] + "." + strings.Split(sign(t, s, func(c map[string]any) { c["nik"] = "3174015708900002" }), ".")[1] + "." + parts[2], "signature not accepted"},
		{"expired", sign(t, s, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), "expired"},
		{"no exp", sign(t, s, func(c map[string]any) { delete(c, "exp") }), "no expiry"},
		{"nbf in the future", sign(t, s, func(c map[string]any) { c["nbf"] = time.Now().Add(hour).Unix() }), "not valid yet"},
		{"iat in the future", sign(t, s, func(c map[string]any) { c["iat"] = time.Now().Add(hour).Unix() }), "issued in the future"},
		{"wrong audience", mintFor(s, "another-app"), "audience"},
		{"no audience", sign(t, s, func(c map[string]any) { delete(c, "aud") }), "audience"},
		{"wrong issuer", mintFor(other, audience), "issuer"},
		{"issuer differs by a slash", sign(t, s, func(c map[string]any) { c["iss"] = s.Issuer() + "/" }), "issuer"},
		{"alg none", signWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, s.KeyID()), "signature not accepted"},
		{"HS256 keyed with the public key PEM", signWith(jwt.SigningMethodHS256, pubPEM, s.KeyID()), "signature not accepted"},
		{"HS256 keyed with the public key DER", signWith(jwt.SigningMethodHS256, der, s.KeyID()), "signature not accepted"},
		{"HS256 keyed with the JWKS", signWith(jwt.SigningMethodHS256, jwksBody, s.KeyID()), "signature not accepted"},
		{"RS256 by an unrelated key, unknown kid", signWith(jwt.SigningMethodRS256, rsaKey, "attacker-kid"), "signature not accepted"},
		{"RS256 by an unrelated key under the IdP's kid", signWith(jwt.SigningMethodRS256, rsaKey, s.KeyID()), "signature not accepted"},
		{"PS256 not allowed", signWith(jwt.SigningMethodPS256, rsaKey, "attacker-kid"), "signature not accepted"},
		{"missing NIK", sign(t, s, func(c map[string]any) { delete(c, "nik") }), "no valid NIK"},
		{"malformed NIK", sign(t, s, func(c map[string]any) { c["nik"] = "31740157089" }), "no valid NIK"},
		{"NIK with a bad month", sign(t, s, func(c map[string]any) { c["nik"] = "3174015713900001" }), "no valid NIK"},
		{"NIK as a number", sign(t, s, func(c map[string]any) { c["nik"] = 3174015708900001 }), "no valid NIK"},
		{"no iat", sign(t, s, func(c map[string]any) { delete(c, "iat") }), "no issue time"},
		{"iat not a number", sign(t, s, func(c map[string]any) { c["iat"] = "yesterday" }), "malformed"},
		{"lifetime a second over 24h", sign(t, s, func(c map[string]any) {
			now := time.Now()
			c["iat"], c["exp"] = now.Add(-hour).Unix(), now.Add(23*hour+time.Second).Unix()
		}), "lifetime"},
		{"lifetime of a year", sign(t, s, func(c map[string]any) { c["exp"] = time.Now().AddDate(1, 0, 0).Unix() }), "lifetime"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), c.token)
			wantRejected(t, err, c.want)
		})
	}

	// A token from a key the IdP never published, under its issuer name:
	// a second provider claiming the same issuer.
	t.Run("forged under the right issuer", func(t *testing.T) {
		forger, err := idp.New(s.Issuer())
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := forger.Mint(citizen, audience, hour)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(t.Context(), tok)
		wantRejected(t, err, "signature not accepted")
	})

	// Tokens for other audiences or issuers were turned away before any key
	// lookup; unknown kids made at most one refresh (it answers them all).
	if n := s.jwks.Load() - fetched; n != 1 {
		t.Errorf("JWKS fetched %d times by the cases, want 1 (one unknown-kid refresh for all)", n)
	}
	if n := other.jwks.Load() + other.discovery.Load(); n != 0 {
		t.Errorf("the other provider was asked %d times", n)
	}
}

func TestRotationRefreshesOnUnknownKID(t *testing.T) {
	s := startIdP(t)
	clk := testkit.NewClock(time.Now())
	v := newClockedVerifier(t, s, s.config(), clk)
	old := mint(t, s)
	if _, err := v.Verify(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	fresh := mint(t, s)
	if _, err := v.Verify(t.Context(), fresh); err != nil {
		t.Fatalf("token of the rotated key: %v", err)
	}
	if _, err := v.Verify(t.Context(), old); err != nil {
		t.Fatalf("token of the old key after rotation: %v", err)
	}
	if n := s.jwks.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (start, unknown kid)", n)
	}
	refreshed := clk.Now()

	// Another rotation a second later is not fetched at once: fetches start
	// at least refreshGap apart, so junk kids cannot hammer the IdP. The
	// new key's token waits for the next fetch instead of being refused.
	clk.Advance(time.Second)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	rotated := mint(t, s)
	var verr error
	answered := make(chan struct{})
	go func() {
		_, verr = v.Verify(t.Context(), rotated)
		close(answered)
	}()
	due, ok := clk.AwaitTimer(refreshGap, answered)
	if !ok {
		t.Fatalf("answered without waiting for the next fetch: %v", verr)
	}
	if want := refreshed.Add(refreshGap); !due.Equal(want) {
		t.Errorf("next fetch due %s after the last, want %s", due.Sub(refreshed), refreshGap)
	}
	if n := s.jwks.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times within %s of the last fetch, want still 2", n, refreshGap)
	}
	select {
	case <-answered:
		t.Fatalf("answered before the next fetch: %v", verr)
	default:
	}
	clk.Advance(due.Sub(clk.Now()))
	<-answered
	if verr != nil {
		t.Fatalf("token of the key rotated within %s: %v", refreshGap, verr)
	}
	if n := s.jwks.Load(); n != 3 {
		t.Errorf("JWKS fetched %d times, want 3", n)
	}
}

func TestConcurrentVerifyDuringRotation(t *testing.T) {
	s := startIdP(t)
	v := newVerifier(t, s, s.config())
	old := mint(t, s)
	const workers, perWorker = 8, 25
	warm := make(chan struct{}, workers)
	rotated := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// Old tokens verify before, during and after the rotation;
			// each worker goes on until it has verified perWorker tokens
			// of the new key.
			for i, done := 0, 0; done < perWorker; i++ {
				if _, err := v.Verify(t.Context(), old); err != nil {
					t.Errorf("old token: %v", err)
					return
				}
				if i == 0 {
					warm <- struct{}{}
				}
				select {
				case <-rotated:
				default:
					continue
				}
				tok, _, err := s.Mint(citizen, audience, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				// Requests arriving while the refresh is in flight wait
				// for it rather than fail.
				if _, err := v.Verify(t.Context(), tok); err != nil {
					t.Errorf("new token: %v", err)
					return
				}
				done++
			}
		})
	}
	for range workers {
		<-warm
	}
	err := s.Rotate()
	close(rotated)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := s.jwks.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (start, one shared refresh)", n)
	}
}

func TestStartsWhileIdPDown(t *testing.T) {
	s := startIdP(t)
	s.down.Store(true)
	v, err := NewVerifier(t.Context(), s.config(), s.srv.Client(), nil)
	if err != nil {
		t.Fatalf("start failed because the IdP is down: %v", err)
	}
	if err := v.Ready(t.Context()); err == nil {
		t.Fatal("Ready with no keys")
	}
	_, err = v.Verify(t.Context(), mint(t, s))
	if sp.ErrorCodeOf(err) != sp.CodeUnavailable {
		t.Fatalf("Verify without keys = %v, want UNAVAILABLE", err)
	}
	// Verify of garbage still says what is wrong with the token.
	_, err = v.Verify(t.Context(), "junk")
	wantRejected(t, err, "malformed")
	if n := s.discovery.Load(); n != 1 {
		t.Errorf("discovery asked %d times within the retry interval, want 1", n)
	}

	s.down.Store(false)
	v.retryEvery = 0 // instead of waiting out the interval
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after the IdP came back: %v", err)
	}
	if _, err := v.Verify(t.Context(), mint(t, s)); err != nil {
		t.Fatal(err)
	}
}

func TestExplicitJWKSURL(t *testing.T) {
	s := startIdP(t)
	cfg := s.config()
	cfg.JWKSURL = s.srv.URL + "/jwks.json"
	v := newVerifier(t, s, cfg)
	if _, err := v.Verify(t.Context(), mint(t, s)); err != nil {
		t.Fatal(err)
	}
	if n := s.discovery.Load(); n != 0 {
		t.Errorf("discovery asked %d times with an explicit JWKS URL", n)
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	s := startIdP(t)
	cfg := s.config()
	cfg.Issuer = s.srv.URL + "/elsewhere" // its discovery doc names s.srv.URL
	s.srv.Config.Handler = http.StripPrefix("/elsewhere", s.Handler())
	v := newVerifier(t, s, cfg)
	err := v.Ready(t.Context())
	if err == nil || !strings.Contains(err.Error(), "names issuer") {
		t.Fatalf("Ready = %v, want an issuer mismatch", err)
	}
}

func TestCustomNIKClaim(t *testing.T) {
	s := startIdP(t)
	cfg := s.config()
	cfg.NIKClaim = "https://inapas.go.id/nik"
	v := newVerifier(t, s, cfg)
	tok := sign(t, s, func(c map[string]any) { c[cfg.NIKClaim] = c["nik"]; delete(c, "nik") })
	p, err := v.Verify(t.Context(), tok)
	if err != nil || p.NIK != citizen {
		t.Fatalf("Verify = %v", err)
	}
	_, err = v.Verify(t.Context(), mint(t, s)) // NIK under "nik" only
	wantRejected(t, err, "no valid NIK")
}

func TestNeverLogsTokenOrNIK(t *testing.T) {
	s := startIdP(t)
	s.down.Store(true)
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v, err := NewVerifier(t.Context(), s.config(), s.srv.Client(), logger)
	if err != nil {
		t.Fatal(err)
	}
	tok := mint(t, s)
	v.Verify(t.Context(), tok)
	s.down.Store(false)
	v.retryEvery = 0
	v.Verify(t.Context(), tok)
	v.Verify(t.Context(), sign(t, s, func(c map[string]any) { c["exp"] = 1 }))
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() == 0 {
		t.Fatal("nothing logged: the test checks nothing")
	}
	if strings.Contains(buf.String(), string(citizen)) || strings.Contains(buf.String(), tok) {
		t.Fatalf("log has the NIK or the token:\n%s", buf.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestConfigValidate(t *testing.T) {
	good := Config{Issuer: "https://sso.inapas.go.id", Audience: "satupintu"}.WithDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	bad := Config{Algorithms: []string{"ES256", "HS256", "none"}, JWKSURL: "keys.json", Leeway: -time.Second, MaxLifetime: -time.Hour}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"issuer is required", "audience", `"HS256" not allowed`, `"none" not allowed`, "JWKS URL", "leeway", "lifetime"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	for _, alg := range []string{"HS384", "HS512", "None", "ES256K"} {
		c := good
		c.Algorithms = []string{alg}
		if c.Validate() == nil {
			t.Errorf("algorithm %s accepted", alg)
		}
	}
	if _, err := NewVerifier(t.Context(), bad, nil, nil); err == nil {
		t.Error("NewVerifier accepted a bad config")
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Issuer: "https://sso.inapas.go.id", Audience: "satupintu"}.WithDefaults()
	if strings.Join(c.Algorithms, ",") != "ES256,RS256" || c.NIKClaim != "nik" || c.Leeway != 30*time.Second || c.JWKSURL != "" || c.MaxLifetime != 24*time.Hour {
		t.Errorf("defaults = %+v", c)
	}
	c.Algorithms[0] = "RS512" // must not change the next caller's defaults
	if d := (Config{}).WithDefaults(); d.Algorithms[0] != "ES256" {
		t.Error("WithDefaults shares its default slice")
	}
}

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		values []string
		want   string
		ok     bool
	}{
		{[]string{"Bearer abc.def.ghi"}, "abc.def.ghi", true},
		{[]string{"bearer abc"}, "abc", true},
		{[]string{"BEARER   abc  "}, "abc", true},
		{nil, "", false},
		{[]string{"Basic dXNlcjpwYXNz"}, "", false},
		{[]string{"Bearer"}, "", false},
		{[]string{"Bearer "}, "", false},
		{[]string{"Bearer a b"}, "", false},
		{[]string{"Bearerabc"}, "", false},
		{[]string{"Bearer a", "Bearer b"}, "", false},
	} {
		h := http.Header{}
		for _, v := range c.values {
			h.Add("Authorization", v)
		}
		got, ok := BearerToken(h)
		if got != c.want || ok != c.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", c.values, got, ok, c.want, c.ok)
		}
	}
}

func TestPrincipalContext(t *testing.T) {
	if _, ok := PrincipalFrom(t.Context()); ok {
		t.Fatal("principal in an empty context")
	}
	p := Principal{NIK: citizen, Subject: "s", ExpiresAt: time.Unix(1, 0)}
	got, ok := PrincipalFrom(WithPrincipal(t.Context(), p))
	if !ok || got != p {
		t.Errorf("PrincipalFrom = %+v, %v", got, ok)
	}
}

// BenchmarkVerify: a token seen within the minute (the app sends the same
// token with every request) and one never seen (the signature checked).
func BenchmarkVerify(b *testing.B) {
	s := startIdP(b)
	v := newVerifier(b, s, s.config())
	tok := mint(b, s)
	if _, err := v.Verify(b.Context(), tok); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		forget bool
	}{{"remembered", false}, {"signature", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if bc.forget {
					v.verified.Purge()
				}
				if _, err := v.Verify(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A remembered token is still refused once it expires, and a refused one
// is not remembered: it verifies once it is valid.
func TestRememberedTokens(t *testing.T) {
	s := startIdP(t)
	v := newVerifier(t, s, s.config())
	tok, exp, err := s.Mint(citizen, audience, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil || p.NIK != citizen {
		t.Fatalf("first verify: %v %v", p, err)
	}
	fetches := s.jwks.Load()
	if p2, err := v.Verify(t.Context(), tok); err != nil || p2 != p {
		t.Fatalf("second verify: %v %v, want %v", p2, err, p)
	}

	// Past expiry plus leeway, memory or not, it is refused.
	v.now = func() time.Time { return exp.Add(DefaultLeeway + time.Second) }
	_, err = v.Verify(t.Context(), tok)
	wantRejected(t, err, "expired")
	v.now = time.Now

	if got := s.jwks.Load(); got != fetches {
		t.Fatalf("verifying one token again fetched the JWKS %d more times", got-fetches)
	}

	// Refused because it is not valid yet; accepted once it is.
	nbf := time.Now().Add(10 * time.Minute)
	early := sign(t, s, func(c map[string]any) {
		c["nbf"], c["exp"] = nbf.Unix(), nbf.Add(time.Hour).Unix()
	})
	_, err = v.Verify(t.Context(), early)
	wantRejected(t, err, "not valid yet")
	v.now = func() time.Time { return nbf.Add(time.Second) }
	if _, err := v.Verify(t.Context(), early); err != nil {
		t.Fatalf("once valid: %v", err)
	}
}
