// Package globalid makes the ids of the GraphQL schema: opaque, global
// (unique across every type, so a normalized client cache and node(id:)
// can rely on them) and stable across requests and instances.
//
// An id is base64url (no padding) of "<Type>:<key>". The key never holds
// a personal number (NIK, KK, NISN, a card, licence or ticket number):
// those are replaced by a reference, an HMAC-SHA256 under the server's
// key, so an id cannot be turned back into the number (a NIK has too few
// possible values for a plain hash to hide it). node(id:) finds the
// object by computing the references of the caller's own records, which
// is also its access check. Keys satupintu mints itself (case numbers,
// notification ids) and public codes (catalog services, region codes,
// school NPSNs) stay as they are inside the base64.
package globalid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

var enc = base64.RawURLEncoding

// Encode is the id of the object of type typ with key key.
func Encode(typ, key string) string { return enc.EncodeToString([]byte(typ + ":" + key)) }

// Decode splits an id made by Encode; ok is false for anything else.
func Decode(id string) (typ, key string, ok bool) {
	b, err := enc.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(b), ":")
	if !ok || key == "" || !typeName(typ) {
		return "", "", false
	}
	return typ, key, true
}

// KeyOf returns the key of id when it is an id of type typ, and id itself
// otherwise: arguments that take an id accept the bare key (a case number
// from a push, a catalog code) as well.
func KeyOf(typ, id string) string {
	if t, key, ok := Decode(id); ok && t == typ {
		return key
	}
	return id
}

func typeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Refs name personal numbers by an HMAC under a server key. Every
// instance must have the same key, or ids differ between them.
type Refs struct{ key []byte }

// NewRefs returns the references under key (32 bytes or more).
func NewRefs(key []byte) Refs { return Refs{key: key} }

// Of is the reference of value, a number of the given kind ("nik", "kk",
// …): 128 bits of HMAC-SHA256(key, kind NUL value), base64url.
func (r Refs) Of(kind, value string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return enc.EncodeToString(m.Sum(nil)[:16])
}

// Digest names public content (a code and its label) in a short, fixed
// form: 96 bits of SHA-256 over the parts, base64url.
func Digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return enc.EncodeToString(h.Sum(nil)[:12])
}
