package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
)

// junkKids returns n tokens with good claims for s, each signed by an
// attacker's key under a random kid.
func junkKids(t *testing.T, s *idpServer, n int) []string {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, n)
	for i := range out {
		tk := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims(s, nil)))
		tk.Header["kid"] = rand.Text()
		if out[i], err = tk.SignedString(priv); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// refusedJunk reports (as a test error) a junk-kid token that was not
// refused as an unknown signature.
func refusedJunk(t *testing.T, v *Verifier, tok string) {
	_, err := v.Verify(t.Context(), tok)
	if e, ok := err.(*sp.Error); !ok || e.Code != sp.CodeUnauthenticated || e.Message != "token signature not accepted: sign in again" {
		t.Errorf("junk kid: %v, want UNAUTHENTICATED signature not accepted", err)
	}
}

// After a key rotation, tokens of the new key are accepted within
// refreshGap even while an attacker floods random kids: the flood's fetch
// just before the rotation does not lock the new key out (it did for a
// minute), and the flood adds no fetch.
func TestRotationDuringUnknownKIDFlood(t *testing.T) {
	s := startIdP(t)
	clk := testkit.NewClock(time.Now())
	v := newClockedVerifier(t, s, s.config(), clk)
	junk := junkKids(t, s, 600)
	var sent atomic.Int64
	var wg sync.WaitGroup
	flood := func(k int) {
		for range k {
			tok := junk[sent.Add(1)-1]
			wg.Go(func() { refusedJunk(t, v, tok) })
		}
	}

	// A second after the start, a junk kid uses up a fetch ...
	clk.Advance(time.Second)
	flood(1)
	wg.Wait()
	if n := s.jwks.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (start, the junk kid)", n)
	}
	attackFetch := clk.Now()

	// ... and 100ms later the provider rotates, while 10 junk kids come
	// every 100ms.
	clk.Advance(100 * time.Millisecond)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	rotatedAt := clk.Now()
	tok := mint(t, s)
	flood(10)
	var (
		verr       error
		acceptedAt time.Time
	)
	answered := make(chan struct{})
	go func() {
		_, verr = v.Verify(t.Context(), tok)
		acceptedAt = clk.Now()
		close(answered)
	}()
	due, ok := clk.AwaitTimer(refreshGap, answered)
	if !ok {
		t.Fatalf("the new key's token was answered at once, not after the next fetch: %v", verr)
	}
	if want := attackFetch.Add(refreshGap); !due.Equal(want) {
		t.Fatalf("next fetch due %s after the junk kid's, want %s", due.Sub(attackFetch), refreshGap)
	}
	for clk.Now().Before(due) {
		select {
		case <-answered:
			t.Fatalf("the new key's token was answered before the next fetch: %v", verr)
		default:
		}
		flood(10)
		clk.Advance(min(100*time.Millisecond, due.Sub(clk.Now())))
	}
	<-answered
	if verr != nil {
		t.Fatalf("the new key's token during the flood: %v", verr)
	}
	lag := acceptedAt.Sub(rotatedAt)
	if lag > refreshGap {
		t.Errorf("the new key was accepted %s after the rotation, want within %s", lag, refreshGap)
	}
	wg.Wait()
	if n := s.jwks.Load(); n != 3 {
		t.Errorf("JWKS fetched %d times, want 3 (start, the junk kid, one for the rotation and the flood)", n)
	}
	t.Logf("new key accepted %s after the rotation; %d junk kids sent, %d JWKS fetches in all", lag, sent.Load(), s.jwks.Load())
}

// However many unknown kids arrive, JWKS fetches start at least refreshGap
// apart: at one instant 1,000 cause one fetch; spread over 10s, at most
// one per refreshGap.
func TestUnknownKIDFloodFetchesBounded(t *testing.T) {
	t.Run("at one instant", func(t *testing.T) {
		s := startIdP(t)
		clk := testkit.NewClock(time.Now())
		v := newClockedVerifier(t, s, s.config(), clk)
		junk := junkKids(t, s, 1000)
		clk.Advance(time.Second)
		before := s.jwks.Load()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(junk)); i = next.Add(1) - 1 {
					refusedJunk(t, v, junk[i])
				}
			})
		}
		wg.Wait()
		n := s.jwks.Load() - before
		if n != 1 {
			t.Errorf("1000 unknown kids from 50 workers made %d JWKS fetches, want 1", n)
		}
		t.Logf("1000 unknown kids at one instant: %d JWKS fetch", n)
	})

	t.Run("over ten seconds", func(t *testing.T) {
		s := startIdP(t)
		clk := testkit.NewClock(time.Now())
		v := newClockedVerifier(t, s, s.config(), clk)
		junk := junkKids(t, s, 1000)
		clk.Advance(time.Second)
		before := s.jwks.Load()
		start := clk.Now()
		var wg sync.WaitGroup
		for _, tok := range junk {
			// One every 10ms: each is answered, or waits for a fetch, before
			// the clock moves on (so it arrived at its time).
			answered := make(chan struct{})
			wg.Go(func() { refusedJunk(t, v, tok); close(answered) })
		sent:
			for {
				if _, ok := clk.Due(refreshGap); ok {
					break
				}
				select {
				case <-answered:
					break sent
				case <-clk.TimerSet():
				}
			}
			clk.Advance(10 * time.Millisecond)
		}
		// The last ones wait for a fetch: move the clock to each fetch's
		// start until all are answered.
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
	tail:
		for {
			select {
			case <-done:
				break tail
			case <-clk.TimerSet():
				if at, ok := clk.Due(refreshGap); ok {
					clk.Advance(at.Sub(clk.Now()))
				}
			}
		}
		elapsed := clk.Now().Sub(start)
		n := s.jwks.Load() - before
		bound := int64(elapsed/refreshGap) + 1
		if n > bound || n < 1 {
			t.Errorf("1000 unknown kids over %s made %d JWKS fetches, want 1 to %d (one per %s)", elapsed, n, bound, refreshGap)
		}
		t.Logf("1000 unknown kids over %s: %d JWKS fetches (bound %d)", elapsed, n, bound)
	})
}

// keyServer serves one ES256 public key as a JWKS and counts the fetches;
// the test signs with the private key, any header it likes.
type keyServer struct {
	srv     *httptest.Server
	priv    *ecdsa.PrivateKey
	kid     string
	fetches atomic.Int64
}

func startKeyServer(t *testing.T) *keyServer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &keyServer{priv: priv, kid: "key-1"}
	jwk, err := jwkset.NewJWKFromKey(&priv.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgES256, KID: k.kid, USE: jwkset.UseSig},
	})
	if err != nil {
		t.Fatal(err)
	}
	set := jwkset.NewMemoryStorage()
	if err := set.KeyWrite(t.Context(), jwk); err != nil {
		t.Fatal(err)
	}
	body, err := set.JSONPublic(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keyServer) config() Config {
	return Config{Issuer: "https://sso.example.test", JWKSURL: k.srv.URL + "/jwks.json", Audience: audience}.WithDefaults()
}

// sign signs good claims under k's kid, header entries added or replaced.
func (k *keyServer) sign(t *testing.T, header map[string]any) string {
	t.Helper()
	now := time.Now()
	tk := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": k.config().Issuer, "aud": audience, "sub": "s", "nik": string(citizen),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	tk.Header["kid"] = k.kid
	maps.Copy(tk.Header, header)
	s, err := tk.SignedString(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A "crit" header names extensions the recipient must understand or refuse
// the token (RFC 7515 §4.1.11); the verifier understands none, so every
// crit, well-formed or not, is refused, and before any key is fetched.
func TestCriticalHeaderRefused(t *testing.T) {
	k := startKeyServer(t)
	v, err := NewVerifier(t.Context(), k.config(), k.srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The same key and claims without crit verify: what is refused below is
	// refused for its crit.
	if _, err := v.Verify(t.Context(), k.sign(t, nil)); err != nil {
		t.Fatalf("token without crit: %v", err)
	}
	fetched := k.fetches.Load()
	for name, header := range map[string]map[string]any{
		"an extension":                 {"crit": []string{"https://inapas.go.id/binding"}, "https://inapas.go.id/binding": "device"},
		"unencoded payload (RFC 7797)": {"crit": []string{"b64"}, "b64": false},
		"a registered name":            {"crit": []string{"exp"}},
		"several":                      {"crit": []string{"exp", "nbf"}},
		"with an unknown kid":          {"crit": []string{"exp"}, "kid": "never-published"},
		"malformed: empty list":        {"crit": []string{}},
		"malformed: a string":          {"crit": "exp"},
		"malformed: a list of numbers": {"crit": []int{1}},
		"malformed: null":              {"crit": nil},
		"malformed: an object":         {"crit": map[string]any{"exp": true}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), k.sign(t, header))
			wantRejected(t, err, "(crit)")
		})
	}
	if n := k.fetches.Load() - fetched; n != 0 {
		t.Errorf("tokens with crit made %d JWKS fetches, want 0", n)
	}
}

// MaxLifetime bounds exp − iat: 2h configured refuses a 3h token that the
// default (24h) accepts, and accepts one of exactly 2h.
func TestMaxLifetimeConfigured(t *testing.T) {
	s := startIdP(t)
	cfg := s.config()
	cfg.MaxLifetime = 2 * time.Hour
	v := newVerifier(t, s, cfg)
	threeHours, _, err := s.Mint(citizen, audience, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), threeHours)
	wantRejected(t, err, "lifetime")

	twoHours := sign(t, s, func(c map[string]any) {
		now := time.Now()
		c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix()
	})
	if _, err := v.Verify(t.Context(), twoHours); err != nil {
		t.Fatalf("token of exactly the maximum lifetime: %v", err)
	}

	byDefault := newVerifier(t, s, s.config())
	if _, err := byDefault.Verify(t.Context(), threeHours); err != nil {
		t.Fatalf("3h token under the default maximum: %v", err)
	}
	day, _, err := s.Mint(citizen, audience, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := byDefault.Verify(t.Context(), day); err != nil {
		t.Fatalf("24h token under the default maximum: %v", err)
	}
}

// A kid a fetch did not contain is refused at once for refreshGap after
// that fetch started, without waiting for another; a new kid still waits
// for one, and after refreshGap the old kid may cause one again.
func TestAbsentKIDRefusedAtOnce(t *testing.T) {
	s := startIdP(t)
	clk := testkit.NewClock(time.Now())
	v := newClockedVerifier(t, s, s.config(), clk)
	junk := junkKids(t, s, 2)
	clk.Advance(time.Second)
	refusedJunk(t, v, junk[0])
	if n := s.jwks.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (start, the junk kid)", n)
	}
	fetchedAt := clk.Now()

	// answered verifies tok and fails the test if it waits for a fetch.
	answered := func(tok string) {
		t.Helper()
		done := make(chan struct{})
		go func() { refusedJunk(t, v, tok); close(done) }()
		for {
			if at, ok := clk.Due(refreshGap); ok {
				clk.Advance(at.Sub(clk.Now())) // let it end before failing
				<-done
				t.Fatal("a kid the last fetch lacked waited for another fetch")
			}
			select {
			case <-done:
				return
			case <-clk.TimerSet():
			}
		}
	}
	clk.Advance(time.Second)
	answered(junk[0])

	// Another unknown kid waits for the fetch refreshGap after the last.
	done := make(chan struct{})
	go func() { refusedJunk(t, v, junk[1]); close(done) }()
	due, ok := clk.AwaitTimer(refreshGap, done)
	if !ok {
		t.Fatal("a new unknown kid was refused without a fetch")
	}
	if !due.Equal(fetchedAt.Add(refreshGap)) {
		t.Errorf("next fetch due %s after the last, want %s", due.Sub(fetchedAt), refreshGap)
	}
	clk.Advance(due.Sub(clk.Now()))
	<-done
	if n := s.jwks.Load(); n != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", n)
	}
	// refreshGap after the fetch that lacked it, the first kid may cause a
	// fetch again (at once: the last one started refreshGap ago).
	clk.Advance(refreshGap)
	refusedJunk(t, v, junk[0])
	if n := s.jwks.Load(); n != 4 {
		t.Errorf("JWKS fetched %d times, want 4", n)
	}
}
