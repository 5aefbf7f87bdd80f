// Package signing holds satupintu's own signing keys (ES256, P-256): what
// it signs others can check against its published JWKS, offline too.
// Documents (SD-JWT VC credentials and status lists) and the citizens' data
// exports are signed with them.
//
// Keys rotate: a Keyring holds several, each with a key id (kid); the
// first signs, every one stays published so what was signed with an older
// key still verifies until that key is retired.
package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Key is one signing key.
type Key struct {
	ID      string
	Private *ecdsa.PrivateKey
}

// Keyring is the signing keys, the first one current.
type Keyring struct{ keys []Key }

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Parse reads keys written as "<kid>:<base64 of a PKCS#8 P-256 private
// key>", comma-separated, the signing key first (the form of
// SATUPINTU_SIGNING_KEYS; `openssl genpkey -algorithm EC -pkeyopt
// ec_paramgen_curve:P-256 -outform DER | base64 -w0` makes one). Errors
// never print key material.
func Parse(spec string) (*Keyring, error) {
	var r Keyring
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		kid, b64, ok := strings.Cut(part, ":")
		if !ok || !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("signing key %d: want <kid>:<base64 PKCS#8>, the kid of letters, digits, dots, underscores or hyphens", i+1)
		}
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("signing key %q: not base64", kid)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		ec, isEC := k.(*ecdsa.PrivateKey)
		if err != nil || !isEC || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key %q: not a PKCS#8 P-256 (ES256) private key", kid)
		}
		if _, dup := r.Public(kid); dup {
			return nil, fmt.Errorf("signing key %q: the kid appears twice", kid)
		}
		r.keys = append(r.keys, Key{ID: kid, Private: ec})
	}
	return &r, nil
}

// Dev is a fixed, public key for dev mode and tests: what it signs proves
// nothing. The same label gives the same key, so a restarted dev server
// still verifies what it signed before.
func Dev(label string) *Keyring {
	sum := sha256.Sum256([]byte("satupintu dev signing key, public, never for production: " + label))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), sum[:])
	if err != nil {
		panic(err) // a SHA-256 sum is a valid P-256 scalar but with negligible odds
	}
	return &Keyring{keys: []Key{{ID: "dev-" + label, Private: k}}}
}

// Encode writes the keyring in the form Parse reads.
func (r *Keyring) Encode() string {
	parts := make([]string, len(r.keys))
	for i, k := range r.keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			panic(err)
		}
		parts[i] = k.ID + ":" + base64.StdEncoding.EncodeToString(der)
	}
	return strings.Join(parts, ",")
}

// Current is the key that signs.
func (r *Keyring) Current() Key { return r.keys[0] }

// Public returns the public key of kid.
func (r *Keyring) Public(kid string) (*ecdsa.PublicKey, bool) {
	for _, k := range r.keys {
		if k.ID == kid {
			return &k.Private.PublicKey, true
		}
	}
	return nil, false
}

// JWKS is the public keys as a JSON Web Key Set (RFC 7517), each with its
// kid, "use":"sig" and "alg":"ES256".
func (r *Keyring) JWKS() ([]byte, error) {
	set := jwkset.JWKSMarshal{Keys: make([]jwkset.JWKMarshal, 0, len(r.keys))}
	for _, k := range r.keys {
		jwk, err := jwkset.NewJWKFromKey(&k.Private.PublicKey, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.ID, USE: jwkset.UseSig, ALG: jwkset.AlgES256},
		})
		if err != nil {
			return nil, fmt.Errorf("signing key %q as a JWK: %w", k.ID, err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	return json.Marshal(set)
}

// Sign returns the compact JWS (ES256) of claims under the current key,
// with kid and typ (e.g. "dc+sd-jwt", "statuslist+jwt") in its header.
func (r *Keyring) Sign(typ string, claims jwt.Claims) (string, error) {
	k := r.Current()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = k.ID
	if typ != "" {
		t.Header["typ"] = typ
	}
	s, err := t.SignedString(k.Private)
	if err != nil {
		return "", fmt.Errorf("signing with %q: %w", k.ID, err)
	}
	return s, nil
}

// Keyfunc finds the public key a token names by kid, for jwt.Parse; only
// ES256 is accepted.
func (r *Keyring) Keyfunc(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodES256 {
		return nil, errors.New("signing: only ES256 is accepted")
	}
	kid, _ := t.Header["kid"].(string)
	pub, ok := r.Public(kid)
	if !ok {
		return nil, fmt.Errorf("signing: unknown kid %q", kid)
	}
	return pub, nil
}
