// Package statuslist is the IETF OAuth Token Status List as satupintu's
// credentials use it: a credential names a slot ("idx") of a list ("uri");
// the list is a signed JWT (typ statuslist+jwt) whose status_list.lst is
// the statuses, Bits bits each, least significant bits first, zlib
// (DEFLATE) compressed and base64url encoded. A verifier fetches the list,
// or uses one it fetched less than ttl seconds ago, and reads the slot.
package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Typ is the JOSE header typ of a status list token.
const Typ = "statuslist+jwt"

// Bits is how many bits each status takes in satupintu's lists: room for
// VALID, INVALID and SUSPENDED.
const Bits = 2

// The statuses the draft defines.
const (
	Valid     uint8 = 0x00
	Invalid   uint8 = 0x01 // revoked or expired: for good
	Suspended uint8 = 0x02 // may become valid again
)

var b64 = base64.RawURLEncoding

// List is the statuses of one list.
type List struct {
	bits int
	raw  []byte
}

// New is a list of size statuses, all VALID.
func New(size int) *List {
	return &List{bits: Bits, raw: make([]byte, (size*Bits+7)/8)}
}

// Len is how many statuses the list holds.
func (l *List) Len() int { return len(l.raw) * 8 / l.bits }

// Set writes the status of idx.
func (l *List) Set(idx int, v uint8) error {
	if idx < 0 || idx >= l.Len() {
		return fmt.Errorf("statuslist: index %d outside the list of %d", idx, l.Len())
	}
	if v >= 1<<l.bits {
		return fmt.Errorf("statuslist: status %d does not fit in %d bits", v, l.bits)
	}
	bit := idx * l.bits
	mask := byte(1<<l.bits-1) << (bit % 8)
	l.raw[bit/8] = l.raw[bit/8]&^mask | v<<(bit%8)
	return nil
}

// Get reads the status of idx.
func (l *List) Get(idx int) (uint8, error) {
	if idx < 0 || idx >= l.Len() {
		return 0, fmt.Errorf("statuslist: index %d outside the list of %d", idx, l.Len())
	}
	bit := idx * l.bits
	return l.raw[bit/8] >> (bit % 8) & (1<<l.bits - 1), nil
}

// Encoded is the list as status_list.lst: zlib, then base64url.
func (l *List) Encoded() string {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	_, _ = w.Write(l.raw)
	_ = w.Close()
	return b64.EncodeToString(buf.Bytes())
}

// maxRaw bounds a list a verifier inflates: 64 MiB holds 268 million
// statuses of 2 bits, and a hostile list cannot cost more.
const maxRaw = 64 << 20

// Decode reads status_list {bits, lst}.
func Decode(bits int, lst string) (*List, error) {
	switch bits {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("statuslist: bits must be 1, 2, 4 or 8, got %d", bits)
	}
	comp, err := b64.DecodeString(lst)
	if err != nil {
		return nil, errors.New("statuslist: lst is not base64url")
	}
	zr, err := zlib.NewReader(bytes.NewReader(comp))
	if err != nil {
		return nil, fmt.Errorf("statuslist: lst is not zlib: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxRaw+1))
	if err != nil {
		return nil, fmt.Errorf("statuslist: lst is not zlib: %w", err)
	}
	if len(raw) > maxRaw {
		return nil, errors.New("statuslist: the list is larger than any verifier should inflate")
	}
	return &List{bits: bits, raw: raw}, nil
}

// Signer signs a JWT's claims with a header typ (signing.Keyring).
type Signer interface {
	Sign(typ string, claims jwt.Claims) (string, error)
}

// Token is a signed list.
type Token struct {
	URI string // sub: where the list is served, what credentials name
	IAT time.Time
	EXP time.Time
	TTL time.Duration // how long a verifier may use its copy
	*List
}

// Sign returns the list's JWT.
func (t Token) Sign(s Signer) (string, error) {
	claims := jwt.MapClaims{
		"sub": t.URI,
		"iat": t.IAT.Unix(),
		"exp": t.EXP.Unix(),
		"ttl": int64(t.TTL / time.Second),
		"status_list": map[string]any{
			"bits": t.bits,
			"lst":  t.Encoded(),
		},
	}
	return s.Sign(Typ, claims)
}

// ParseOptions of ParseToken.
type ParseOptions struct {
	Keyfunc jwt.Keyfunc
	Now     func() time.Time
	URI     string // required sub: the uri the credential named
	Leeway  time.Duration
}

// ParseToken verifies a status list token (ES256, typ, sub, exp when
// present) and returns it.
func ParseToken(raw string, o ParseOptions) (Token, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var claims struct {
		jwt.RegisteredClaims
		TTL        int64 `json:"ttl"`
		StatusList struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	tok, err := jwt.ParseWithClaims(raw, &claims, o.Keyfunc, jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithTimeFunc(o.Now), jwt.WithLeeway(o.Leeway), jwt.WithIssuedAt(), jwt.WithSubject(o.URI))
	if err != nil {
		return Token{}, fmt.Errorf("statuslist: the list's token: %w", err)
	}
	if typ, _ := tok.Header["typ"].(string); typ != Typ {
		return Token{}, fmt.Errorf("statuslist: header typ is %q, want %q", typ, Typ)
	}
	l, err := Decode(claims.StatusList.Bits, claims.StatusList.Lst)
	if err != nil {
		return Token{}, err
	}
	t := Token{URI: claims.Subject, TTL: time.Duration(claims.TTL) * time.Second, List: l}
	if claims.IssuedAt != nil {
		t.IAT = claims.IssuedAt.Time
	}
	if claims.ExpiresAt != nil {
		t.EXP = claims.ExpiresAt.Time
	}
	return t, nil
}

// Fresh reports whether a verifier may still rely on its copy of t at
// now: before exp, and within ttl of iat (the draft's ttl is counted from
// when the list was fetched; satupintu's verifier counts from iat, which
// is never later, so it is never more lenient).
func (t Token) Fresh(now time.Time) bool {
	if !t.EXP.IsZero() && !now.Before(t.EXP) {
		return false
	}
	return t.TTL <= 0 || now.Before(t.IAT.Add(t.TTL))
}

// Reference is the status claim a credential carries:
// {"status_list": {"idx": 42, "uri": "https://…/credentials/status/1"}}.
type Reference struct {
	Idx int    `json:"idx"`
	URI string `json:"uri"`
}

// Claim is the reference as the credential's "status" claim.
func (r Reference) Claim() map[string]any {
	return map[string]any{"status_list": map[string]any{"idx": r.Idx, "uri": r.URI}}
}

// ReferenceOf reads a credential's status claim (as decoded JSON).
func ReferenceOf(status any) (Reference, error) {
	m, _ := status.(map[string]any)
	sl, _ := m["status_list"].(map[string]any)
	idx, okIdx := sl["idx"].(float64)
	uri, okURI := sl["uri"].(string)
	if !okIdx || !okURI || uri == "" || idx < 0 || idx != float64(int(idx)) {
		return Reference{}, errors.New(`statuslist: the credential's status is not {"status_list": {"idx", "uri"}}`)
	}
	return Reference{Idx: int(idx), URI: uri}, nil
}
