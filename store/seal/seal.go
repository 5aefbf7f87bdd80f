// Package seal keeps personal data unreadable at rest: values are sealed
// with AES-256-GCM, and the values a store looks rows up by (a NIK, an FCM
// token) are named by a keyed hash (HMAC-SHA256) instead.
//
// Keys carry an id, written into every sealed value, so that they can
// rotate: during a rotation the ring holds several keys, the first seals
// and every one opens what it sealed. A value sealed with a key no longer
// in the ring fails to open with an error naming that key.
//
// Lookup hashes cannot rotate that way (a row is found by its hash, so
// every row would have to be hashed again): they are keyed by one key of
// the ring, the lookup key, which the database records (see
// store/postgres), so that it stays the same across rotations.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// format is the first byte of a sealed value: version 1 is
// 0x01 | len(kid) | kid | nonce (12) | ciphertext | tag (16).
const format = 1

// A key sees at most 2^32 seals (random 96-bit nonces): at national scale
// (billions of notifications a year) that is a rotation a year.

// Key is one data key: 32 bytes and their id.
type Key struct {
	ID     string
	aead   cipher.AEAD
	lookup []byte // HMAC key of the lookup hashes
}

// Keyring is the keys of SATUPINTU_DATA_KEY: the first seals, every one
// opens, one keys the lookup hashes. It is safe for concurrent use.
type Keyring struct {
	keys   []*Key
	byID   map[string]*Key
	lookup *Key
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Parse reads a key ring: comma-separated keys, each 64 hex digits (32
// bytes), optionally preceded by an id and a colon ("2026a:9f0c…"). A key
// without an id gets one derived from it (8 hex digits), which names the
// key without revealing it. The first key seals and keys the lookup
// hashes until WithLookup names another.
func Parse(s string) (*Keyring, error) {
	var keys []*Key
	seen := map[string]bool{}
	sameAs := map[string]string{} // key bytes: id
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		id, hexKey, named := strings.Cut(part, ":")
		if !named {
			hexKey = id
		}
		raw, err := hex.DecodeString(hexKey)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("key %d: must be 64 hex digits (32 bytes), optionally after an id and a colon", i+1)
		}
		if !named {
			id = derivedID(raw)
		} else if !idPattern.MatchString(id) {
			return nil, fmt.Errorf("key %d: the id must be 1 to 32 letters, digits, '.', '_' or '-'", i+1)
		}
		if seen[id] {
			return nil, fmt.Errorf("key %d: the id %q is used twice", i+1, id)
		}
		seen[id] = true
		if other, ok := sameAs[string(raw)]; ok {
			return nil, fmt.Errorf("key %d: the same key as %q", i+1, other)
		}
		sameAs[string(raw)] = id
		k, err := newKey(id, raw)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	r := &Keyring{keys: keys, byID: map[string]*Key{}, lookup: keys[0]}
	for _, k := range keys {
		r.byID[k.ID] = k
	}
	return r, nil
}

func newKey(id string, raw []byte) (*Key, error) {
	// Sealing and lookups use keys of their own, derived from the one.
	block, err := aes.NewCipher(mustDerive(raw, "satupintu seal"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &Key{ID: id, aead: aead, lookup: mustDerive(raw, "satupintu lookup")}, nil
}

func mustDerive(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give
	}
	return k
}

func derivedID(raw []byte) string {
	return hex.EncodeToString(mustDerive(raw, "satupintu key id")[:4])
}

// IDs are the ids of the ring's keys, the sealing one first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.ID
	}
	return ids
}

// Sealing is the id of the key that seals.
func (r *Keyring) Sealing() string { return r.keys[0].ID }

// Lookup is the id of the key that keys the lookup hashes.
func (r *Keyring) Lookup() string { return r.lookup.ID }

// Has reports whether the ring holds the key id.
func (r *Keyring) Has(id string) bool { return r.byID[id] != nil }

// WithLookup is the ring with the lookup hashes keyed by the key id.
func (r *Keyring) WithLookup(id string) (*Keyring, error) {
	k := r.byID[id]
	if k == nil {
		return nil, &MissingKeyError{ID: id}
	}
	c := *r
	c.lookup = k
	return &c, nil
}

// Seal seals plaintext with the sealing key. Context (a row's identity, a
// column) is authenticated but not stored: Open must be given the same,
// so a sealed value copied to another row does not open.
func (r *Keyring) Seal(plaintext, context []byte) []byte {
	k := r.keys[0]
	out := make([]byte, 0, 2+len(k.ID)+k.aead.Overhead()+len(plaintext))
	out = append(out, format, byte(len(k.ID)))
	out = append(out, k.ID...)
	return k.aead.Seal(out, nil, plaintext, context)
}

// MissingKeyError is a sealed value (or a database) that needs a key the
// ring does not hold: it was removed too early.
type MissingKeyError struct{ ID string }

func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("data key %q is not in SATUPINTU_DATA_KEY: it was removed while data still needs it; "+
		"put it back after the first key (the first seals, the others only open)", e.ID)
}

// ErrCorrupt is a sealed value that was altered, or opened with another
// context than it was sealed with.
var ErrCorrupt = errors.New("sealed value is corrupt or belongs elsewhere")

// Open opens a value Seal sealed, with any key of the ring.
func (r *Keyring) Open(sealed, context []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != format || len(sealed) < 2+int(sealed[1]) {
		return nil, ErrCorrupt
	}
	id := string(sealed[2 : 2+int(sealed[1])])
	k := r.byID[id]
	if k == nil {
		return nil, &MissingKeyError{ID: id}
	}
	plain, err := k.aead.Open(nil, nil, sealed[2+len(id):], context)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// KeyOf is the id of the key that sealed a value.
func KeyOf(sealed []byte) (string, error) {
	if len(sealed) < 2 || sealed[0] != format || len(sealed) < 2+int(sealed[1]) {
		return "", ErrCorrupt
	}
	return string(sealed[2 : 2+int(sealed[1])]), nil
}

// Hash names value for lookups: HMAC-SHA256 under the lookup key, kept
// apart per purpose ("nik", "fcm-token"), so that equal values of two
// kinds do not hash alike.
func (r *Keyring) Hash(purpose string, value []byte) []byte {
	m := hmac.New(sha256.New, r.lookup.lookup)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(value)
	return m.Sum(nil)
}
