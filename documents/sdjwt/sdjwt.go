// Package sdjwt is Selective Disclosure for JWTs (RFC 9901) as satupintu's
// credentials use it: an issuer-signed JWT whose personal claims are each
// replaced by the digest of a salted disclosure, and the disclosures sent
// next to it, so that the holder can leave out any of them.
//
//	<issuer-signed JWT>~<disclosure>~…~<disclosure>~
//
// A disclosure is base64url(JSON array [salt, claim name, value]); the JWT
// carries base64url(SHA-256(disclosure)) of each in "_sd" and
// "_sd_alg": "sha-256". Only object properties at the top level are made
// disclosable (what the credentials need); key binding is not used.
//
// Issue writes one; Parse and Select take one apart and keep the chosen
// disclosures (a presentation); Verify checks one as any verifier would.
package sdjwt

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Alg is the one digest algorithm used and accepted.
const Alg = "sha-256"

var b64 = base64.RawURLEncoding

// Disclosure is one selectively disclosable claim.
type Disclosure struct {
	Salt  string
	Name  string
	Value any
	// Encoded is the disclosure as sent: its digest is over these bytes.
	Encoded string
}

// NewDisclosure makes the disclosure of claim name with a fresh 128-bit
// salt (RFC 9901 §9.3 asks for at least that much entropy).
func NewDisclosure(name string, value any) (Disclosure, error) {
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return Disclosure{}, fmt.Errorf("sdjwt: salt: %w", err)
	}
	d := Disclosure{Salt: b64.EncodeToString(salt[:]), Name: name, Value: value}
	raw, err := json.Marshal([]any{d.Salt, d.Name, d.Value})
	if err != nil {
		return Disclosure{}, fmt.Errorf("sdjwt: disclosure of %q: %w", name, err)
	}
	d.Encoded = b64.EncodeToString(raw)
	return d, nil
}

// Digest is base64url(SHA-256(the encoded disclosure)).
func (d Disclosure) Digest() string { return Digest(d.Encoded) }

// Digest is the digest of an encoded disclosure.
func Digest(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return b64.EncodeToString(sum[:])
}

// decodeDisclosure reads an encoded disclosure of an object property.
func decodeDisclosure(encoded string) (Disclosure, error) {
	raw, err := b64.DecodeString(encoded)
	if err != nil {
		return Disclosure{}, errors.New("a disclosure is not base64url")
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return Disclosure{}, errors.New("a disclosure is not a JSON array [salt, name, value]")
	}
	d := Disclosure{Encoded: encoded}
	if json.Unmarshal(arr[0], &d.Salt) != nil || json.Unmarshal(arr[1], &d.Name) != nil || d.Name == "" {
		return Disclosure{}, errors.New("a disclosure's salt and claim name must be strings")
	}
	if d.Name == "_sd" || d.Name == "..." {
		return Disclosure{}, fmt.Errorf("a disclosure may not name %q", d.Name)
	}
	if err := json.Unmarshal(arr[2], &d.Value); err != nil {
		return Disclosure{}, errors.New("a disclosure's value is not JSON")
	}
	return d, nil
}

// Signer signs a JWT's claims with a header typ (signing.Keyring).
type Signer interface {
	Sign(typ string, claims jwt.Claims) (string, error)
}

// Issue signs visible (claims every reader sees: iss, iat, exp, vct,
// status…) with the digests of disclosures in "_sd", sorted so that their
// order says nothing of the claims', and returns the SD-JWT with every
// disclosure.
func Issue(s Signer, typ string, visible map[string]any, disclosures []Disclosure) (string, error) {
	claims := jwt.MapClaims{}
	for k, v := range visible {
		claims[k] = v
	}
	if _, taken := claims["_sd"]; taken {
		return "", errors.New("sdjwt: _sd is the issuer's to write")
	}
	digests := make([]string, len(disclosures))
	for i, d := range disclosures {
		if _, clash := claims[d.Name]; clash {
			return "", fmt.Errorf("sdjwt: %q is both visible and disclosable", d.Name)
		}
		digests[i] = d.Digest()
	}
	slices.Sort(digests)
	claims["_sd"] = digests
	claims["_sd_alg"] = Alg
	jws, err := s.Sign(typ, claims)
	if err != nil {
		return "", err
	}
	return SDJWT{JWT: jws, Disclosures: disclosures}.String(), nil
}

// SDJWT is one taken apart.
type SDJWT struct {
	JWT         string
	Disclosures []Disclosure
}

// Parse splits a compact SD-JWT (without key binding) and decodes its
// disclosures; it checks no signature (Verify does).
func Parse(compact string) (SDJWT, error) {
	parts := strings.Split(compact, "~")
	if len(parts) < 2 || parts[len(parts)-1] != "" {
		return SDJWT{}, errors.New("sdjwt: not <JWT>~<disclosure>~…~ (a key-binding JWT is not accepted)")
	}
	if strings.Count(parts[0], ".") != 2 {
		return SDJWT{}, errors.New("sdjwt: the issuer-signed part is not a compact JWS")
	}
	out := SDJWT{JWT: parts[0]}
	for _, enc := range parts[1 : len(parts)-1] {
		d, err := decodeDisclosure(enc)
		if err != nil {
			return SDJWT{}, fmt.Errorf("sdjwt: %w", err)
		}
		out.Disclosures = append(out.Disclosures, d)
	}
	return out, nil
}

// String is the compact form.
func (s SDJWT) String() string {
	var b strings.Builder
	b.WriteString(s.JWT)
	b.WriteByte('~')
	for _, d := range s.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// Select keeps only the disclosures of the named claims: a presentation
// of those. The issuer's signature still covers it.
func (s SDJWT) Select(names ...string) SDJWT {
	out := SDJWT{JWT: s.JWT}
	for _, d := range s.Disclosures {
		if slices.Contains(names, d.Name) {
			out.Disclosures = append(out.Disclosures, d)
		}
	}
	return out
}

// Names are the claims disclosed, in order.
func (s SDJWT) Names() []string {
	out := make([]string, len(s.Disclosures))
	for i, d := range s.Disclosures {
		out[i] = d.Name
	}
	return out
}

// Verified is what a verifier learns from a presentation.
type Verified struct {
	Header map[string]any
	// Claims are the visible claims and the disclosed ones, with _sd and
	// _sd_alg removed.
	Claims map[string]any
	// Disclosed names the claims that came from disclosures, in order.
	Disclosed []string
}

// Options of Verify.
type Options struct {
	Keyfunc jwt.Keyfunc // finds the issuer's key by the header (kid)
	Now     func() time.Time
	Typ     string        // required header typ, e.g. dc+sd-jwt; "" any
	Issuer  string        // required iss; "" any
	Leeway  time.Duration // clock skew tolerated on exp and iat
}

// Verify checks a presentation: the issuer's ES256 signature, typ, iss,
// exp (required) and iat, _sd_alg, and that every disclosure's digest is
// in _sd exactly once and names a claim not already visible.
func Verify(compact string, o Options) (Verified, error) {
	s, err := Parse(compact)
	if err != nil {
		return Verified{}, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(o.Now), jwt.WithLeeway(o.Leeway)}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(s.JWT, claims, o.Keyfunc, opts...)
	if err != nil {
		return Verified{}, fmt.Errorf("sdjwt: the issuer-signed JWT: %w", err)
	}
	if typ, _ := tok.Header["typ"].(string); o.Typ != "" && typ != o.Typ {
		return Verified{}, fmt.Errorf("sdjwt: header typ is %q, want %q", typ, o.Typ)
	}
	if alg, _ := claims["_sd_alg"].(string); alg != Alg {
		return Verified{}, fmt.Errorf("sdjwt: _sd_alg is %q, want %q", alg, Alg)
	}
	digests := map[string]bool{}
	list, _ := claims["_sd"].([]any)
	for _, x := range list {
		d, ok := x.(string)
		if !ok {
			return Verified{}, errors.New("sdjwt: _sd holds a non-string")
		}
		digests[d] = true
	}
	delete(claims, "_sd")
	delete(claims, "_sd_alg")
	out := Verified{Header: tok.Header, Claims: map[string]any(claims)}
	used := map[string]bool{}
	for _, d := range s.Disclosures {
		dg := d.Digest()
		if !digests[dg] {
			return Verified{}, fmt.Errorf("sdjwt: the disclosure of %q is not one the issuer signed", d.Name)
		}
		if used[dg] {
			return Verified{}, fmt.Errorf("sdjwt: the disclosure of %q appears twice", d.Name)
		}
		used[dg] = true
		if _, clash := out.Claims[d.Name]; clash {
			return Verified{}, fmt.Errorf("sdjwt: %q is disclosed and visible at once", d.Name)
		}
		out.Claims[d.Name] = d.Value
		out.Disclosed = append(out.Disclosed, d.Name)
	}
	return out, nil
}
