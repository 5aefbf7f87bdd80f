package idp_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/idp"
)

const citizen = sp.NIK("3174015708900001")

// serve starts p's handler on loopback with the issuer equal to the server URL.
func serve(t *testing.T) (*idp.Provider, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	p, err := idp.New("http://" + srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return p, srv
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestDiscovery(t *testing.T) {
	p, srv := serve(t)
	resp, body := get(t, srv.URL+"/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != p.Issuer() || p.Issuer() != srv.URL {
		t.Errorf("issuer = %v, want %s", doc["issuer"], srv.URL)
	}
	if doc["jwks_uri"] != srv.URL+"/jwks.json" {
		t.Errorf("jwks_uri = %v", doc["jwks_uri"])
	}
	algs, _ := doc["id_token_signing_alg_values_supported"].([]any)
	if len(algs) != 1 || algs[0] != "ES256" {
		t.Errorf("id_token_signing_alg_values_supported = %v", doc["id_token_signing_alg_values_supported"])
	}
	for _, k := range []string{"response_types_supported", "subject_types_supported"} {
		if v, _ := doc[k].([]any); len(v) == 0 {
			t.Errorf("%s missing (required by OpenID Discovery)", k)
		}
	}
}

// jwkJSON is the wire shape of one key, to check exactly what is published.
type jwkJSON struct {
	KTY string `json:"kty"`
	CRV string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
	KID string `json:"kid"`
	ALG string `json:"alg"`
	USE string `json:"use"`
}

func jwks(t *testing.T, srv *httptest.Server) []jwkJSON {
	t.Helper()
	resp, body := get(t, srv.URL+"/jwks.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var set struct{ Keys []jwkJSON }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	return set.Keys
}

func TestJWKSShapeAndRotation(t *testing.T) {
	p, srv := serve(t)
	keys := jwks(t, srv)
	if len(keys) != 1 {
		t.Fatalf("got %d keys, want 1", len(keys))
	}
	k := keys[0]
	if k.KTY != "EC" || k.CRV != "P-256" || k.ALG != "ES256" || k.USE != "sig" || k.X == "" || k.Y == "" {
		t.Errorf("key = %+v, want an EC P-256 ES256 signing key", k)
	}
	if k.D != "" {
		t.Fatal("the JWKS publishes the private key")
	}
	if k.KID != p.KeyID() || k.KID == "" {
		t.Errorf("kid = %q, provider signs with %q", k.KID, p.KeyID())
	}

	if err := p.Rotate(); err != nil {
		t.Fatal(err)
	}
	if p.KeyID() == k.KID {
		t.Fatal("Rotate kept the kid")
	}
	keys = jwks(t, srv)
	if len(keys) != 2 || keys[0].KID != k.KID || keys[1].KID != p.KeyID() {
		t.Fatalf("after Rotate kids = %v, want old %s and new %s", keys, k.KID, p.KeyID())
	}
}

func TestMint(t *testing.T) {
	p, srv := serve(t)
	before := time.Now().Truncate(time.Second)
	tok, exp, err := p.Mint(citizen, "satupintu", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(before); d < 15*time.Minute || d > 15*time.Minute+2*time.Second {
		t.Errorf("expiresAt %s is not 15m from now", exp)
	}

	// Verify with the published key, not the provider's internals.
	set, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{HTTPURLs: map[string]jwkset.Storage{srv.URL + "/jwks.json": nil}})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) {
		k, err := set.KeyRead(t.Context(), tk.Header["kid"].(string))
		if err != nil {
			return nil, err
		}
		return k.Key().(*ecdsa.PublicKey), nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(srv.URL), jwt.WithAudience("satupintu"), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header["kid"] != p.KeyID() {
		t.Errorf("kid = %v, want %s", parsed.Header["kid"], p.KeyID())
	}
	if claims["nik"] != string(citizen) {
		t.Errorf("nik = %v", claims["nik"])
	}
	sub, _ := claims.GetSubject()
	if sub == "" || strings.Contains(sub, string(citizen)) || sub != idp.Subject(citizen) {
		t.Errorf("sub = %q: want the opaque subject, not the NIK", sub)
	}
	if idp.Subject("3174015708900002") == sub {
		t.Error("two citizens share a subject")
	}
	for _, c := range []string{"iat", "nbf", "exp"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("claim %s missing", c)
		}
	}
}

func TestMintRefuses(t *testing.T) {
	p, err := idp.New("http://127.0.0.1:1/idp")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Mint("1234", "satupintu", time.Minute); err == nil {
		t.Error("minted for a malformed NIK")
	}
	if _, _, err := p.Mint(citizen, "", time.Minute); err == nil {
		t.Error("minted without audience")
	}
	if _, _, err := p.Mint(citizen, "satupintu", 0); err == nil {
		t.Error("minted with zero ttl")
	}
}

func TestNewRefusesBadIssuer(t *testing.T) {
	for _, iss := range []string{"", "idp", "ftp://x/idp", "http://"} {
		if _, err := idp.New(iss); err == nil {
			t.Errorf("New(%q) accepted", iss)
		}
	}
	p, err := idp.New("http://127.0.0.1:9/idp/")
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer() != "http://127.0.0.1:9/idp" {
		t.Errorf("issuer = %q: want the trailing slash trimmed", p.Issuer())
	}
}

func TestUnknownPath(t *testing.T) {
	_, srv := serve(t)
	resp, _ := get(t, srv.URL+"/authorize")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}
