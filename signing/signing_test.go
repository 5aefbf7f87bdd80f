package signing_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/satupintu/satupintu/signing"
)

func TestSignedTokensVerifyWithThePublishedKeys(t *testing.T) {
	old := signing.Dev("a")
	newer := signing.Dev("b")
	// A rotation: the new key signs, the old one is still published.
	ring, err := signing.Parse(newer.Encode() + "," + old.Encode())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"iss": "https://satupintu.example", "n": 1}
	byOld, err := old.Sign("dc+sd-jwt", claims)
	if err != nil {
		t.Fatal(err)
	}
	byNew, err := ring.Sign("dc+sd-jwt", claims)
	if err != nil {
		t.Fatal(err)
	}

	// What a verifier does: read the JWKS, then check each token by kid.
	raw, err := ring.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("JWKS %s: %v", raw, err)
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, m := range set.Keys {
		if m.ALG != jwkset.AlgES256 || m.USE != jwkset.UseSig || m.D != "" {
			t.Errorf("published key %+v: want ES256, sig and no private part", m)
		}
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		keys[m.KID] = jwk.Key().(*ecdsa.PublicKey)
	}
	for name, tok := range map[string]string{"old key": byOld, "new key": byNew} {
		parsed, err := jwt.Parse(tok, func(t *jwt.Token) (any, error) { return keys[t.Header["kid"].(string)], nil },
			jwt.WithValidMethods([]string{"ES256"}))
		if err != nil || parsed.Header["typ"] != "dc+sd-jwt" {
			t.Errorf("%s: %v, header %v", name, err, parsed.Header)
		}
	}
	if _, err := jwt.Parse(byNew, old.Keyfunc); err == nil {
		t.Error("a token of the new key verified against a keyring without it")
	}
	if _, err := jwt.Parse(byOld, ring.Keyfunc); err != nil {
		t.Errorf("the rotated keyring refuses what its older key signed: %v", err)
	}
}

func TestDevKeysAreStable(t *testing.T) {
	if signing.Dev("x").Encode() != signing.Dev("x").Encode() || signing.Dev("x").Encode() == signing.Dev("y").Encode() {
		t.Error("a dev key must be the same for the same label and differ for another")
	}
}

func TestParseRefusesWhatIsNotAKey(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	for name, spec := range map[string]string{
		"no kid":        "bm90IGEga2V5",
		"bad kid":       "a b:bm90",
		"not base64":    "k1:%%%",
		"not a key":     "k1:bm90IGEga2V5",
		"duplicate kid": signing.Dev("a").Encode() + "," + signing.Dev("a").Encode(),
		"P-384":         "k1:" + base64.StdEncoding.EncodeToString(der),
	} {
		_, err := signing.Parse(spec)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "bm90") {
			t.Errorf("%s: the error prints key material: %v", name, err)
		}
	}
}
