// Package verifier is satupintu's reference verifier of shared documents,
// what a counter, a bank or a landlord's agent runs (cmd/verifier), and the
// code a verifier developer can read to build their own:
//
//   - Redeem: a one-time code (typed, or from a link or a QR) is redeemed
//     once through the verify API (api/verifier.yaml), the request signed
//     with the verifier's secret;
//   - Check: a presentation (from the verify API, or carried by an offline
//     QR) is verified: the issuer's ES256 signature with the keys the
//     issuer publishes (/.well-known/jwt-vc-issuer), every disclosure's
//     digest, exp, and the document's status in its Token Status List;
//   - Cache: the issuer's keys and its status lists kept in a directory,
//     so a check needs no network while the lists are fresh (their ttl).
package verifier

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png" // QR codes as the app shows them
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/satupintu/satupintu/cases/signature"
	"github.com/satupintu/satupintu/documents/sdjwt"
	"github.com/satupintu/satupintu/documents/statuslist"
)

// Typ is the credentials' JOSE header typ.
const Typ = "dc+sd-jwt"

// Credentials are a registered verifier's.
type Credentials struct {
	ID     string
	Secret string
}

// Client talks to satupintu: the verify API and the issuer's documents.
type Client struct {
	BaseURL string // satupintu's public URL
	HTTP    *http.Client
	Now     func() time.Time
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Refused is the verify API refusing a request: its code and message.
type Refused struct {
	Status  int
	Code    string
	Message string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// Redeemed is the verify API's answer.
type Redeemed struct {
	ShareID      string    `json:"shareId"`
	DocumentType string    `json:"documentType"`
	Purpose      string    `json:"purpose"`
	Claims       []string  `json:"claims"`
	Presentation string    `json:"presentation"`
	VerifiedAt   time.Time `json:"verifiedAt"`
}

// Redeem asks satupintu for the share of code, once, for purpose and the
// claims wanted (every shared one when none).
func (c *Client) Redeem(ctx context.Context, cr Credentials, code, purpose string, claims []string) (Redeemed, error) {
	body, err := json.Marshal(map[string]any{"code": code, "purpose": purpose, "claims": claims})
	if err != nil {
		return Redeemed{}, err
	}
	if len(claims) == 0 {
		body, _ = json.Marshal(map[string]any{"code": code, "purpose": purpose})
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/verify/v1/shares/" + url.PathEscape(code)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Redeemed{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Satupintu-Verifier", cr.ID)
	req.Header.Set(signature.Header, signature.Sign([]byte(cr.Secret), c.now(), body))
	resp, err := c.http().Do(req)
	if err != nil {
		return Redeemed{}, fmt.Errorf("verify API: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Redeemed{}, fmt.Errorf("verify API: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return Redeemed{}, &Refused{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	var out Redeemed
	if err := json.Unmarshal(raw, &out); err != nil {
		return Redeemed{}, fmt.Errorf("verify API: the answer is not JSON: %w", err)
	}
	return out, nil
}

// CodeFromLink reads a share link (…/s/<code>): its server and its code.
func CodeFromLink(link string) (server, code string, err error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("%q is not a share link", link)
	}
	dir, code := filepath.Split(u.Path)
	if !strings.HasSuffix(dir, "/s/") || code == "" {
		return "", "", fmt.Errorf("%q is not a share link (…/s/<code>)", link)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(dir, "/s/"), code, nil
}

// ReadQR decodes the QR code in a PNG image: a share link or a
// presentation.
func ReadQR(png []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return "", fmt.Errorf("not an image: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	// A screenshot or a file of the share's PNG is a pure code (square
	// modules, a quiet zone): read it as one first. Finder-pattern detection,
	// for photos, misjudges dense codes now and then (a "dimension" that is
	// no QR version).
	reader := qrcode.NewQRCodeReader()
	res, err := reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		res, err = reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	}
	if err != nil {
		return "", fmt.Errorf("no QR code found: %w", err)
	}
	return res.GetText(), nil
}

// IsPresentation reports whether s is a compact SD-JWT (an offline QR's
// content) rather than a link.
func IsPresentation(s string) bool { return strings.Count(s, ".") >= 2 && strings.HasSuffix(s, "~") }

// Issuer is the issuer's metadata: its identifier and keys.
type Issuer struct {
	Issuer string          `json:"issuer"`
	JWKS   json.RawMessage `json:"jwks"`
	keys   map[string]*ecdsa.PublicKey
}

// ParseIssuer reads /.well-known/jwt-vc-issuer.
func ParseIssuer(raw []byte) (*Issuer, error) {
	var is Issuer
	if err := json.Unmarshal(raw, &is); err != nil || is.Issuer == "" {
		return nil, errors.New("issuer metadata: not {\"issuer\", \"jwks\"}")
	}
	var set struct {
		Keys []struct {
			Kty, Crv, X, Y, Kid, Alg string
		} `json:"keys"`
	}
	if err := json.Unmarshal(is.JWKS, &set); err != nil {
		return nil, errors.New("issuer metadata: jwks is not a JWK set")
	}
	is.keys = map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" {
			continue // only ES256 is accepted
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil {
			return nil, fmt.Errorf("issuer metadata: key %q is not a P-256 point", k.Kid)
		}
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			return nil, fmt.Errorf("issuer metadata: key %q is not on P-256", k.Kid)
		}
		is.keys[k.Kid] = pub
	}
	if len(is.keys) == 0 {
		return nil, errors.New("issuer metadata: no ES256 key")
	}
	return &is, nil
}

// Keyfunc finds the key a JWT names by kid; only ES256.
func (is *Issuer) Keyfunc(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodES256 {
		return nil, errors.New("only ES256 is accepted")
	}
	kid, _ := t.Header["kid"].(string)
	if k, ok := is.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// ErrUnknownKey: the JWT names a key the issuer's metadata (as cached)
// does not hold.
var ErrUnknownKey = errors.New("the issuer publishes no key")

// Cache keeps the issuer's metadata and status lists in a directory; ""
// keeps nothing.
type Cache struct{ Dir string }

func (c Cache) path(name string) string { return filepath.Join(c.Dir, name) }

func (c Cache) read(name string) ([]byte, bool) {
	if c.Dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(name))
	return b, err == nil
}

func (c Cache) write(name string, b []byte) error {
	if c.Dir == "" {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	tmp := c.path(name + ".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.path(name))
}

// listFile names a status list's copy by its uri.
func listFile(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return "status-" + hex.EncodeToString(sum[:8]) + ".jwt"
}

// Source is where keys and status lists come from: the cache, and the
// network unless Offline.
type Source struct {
	Client  *Client
	Cache   Cache
	Offline bool
}

func (s Source) fetch(ctx context.Context, u, accept string) ([]byte, error) {
	if s.Offline {
		return nil, fmt.Errorf("offline: %s is not in the cache", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := s.Client.http().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return b, nil
}

// Issuer returns the issuer's metadata: cached, or fetched from
// <server>/.well-known/jwt-vc-issuer and cached.
func (s Source) Issuer(ctx context.Context) (*Issuer, error) {
	if b, ok := s.Cache.read("issuer.json"); ok {
		return ParseIssuer(b)
	}
	return s.RefreshIssuer(ctx)
}

// RefreshIssuer fetches the issuer's metadata (new keys after a rotation).
func (s Source) RefreshIssuer(ctx context.Context) (*Issuer, error) {
	b, err := s.fetch(ctx, strings.TrimRight(s.Client.BaseURL, "/")+"/.well-known/jwt-vc-issuer", "application/json")
	if err != nil {
		return nil, fmt.Errorf("issuer metadata: %w", err)
	}
	is, err := ParseIssuer(b)
	if err != nil {
		return nil, err
	}
	return is, s.Cache.write("issuer.json", b)
}

// StatusList returns list uri, verified against the issuer's keys: the
// cached copy while it is fresh (ttl), else a new one fetched and cached.
func (s Source) StatusList(ctx context.Context, is *Issuer, uri string) (statuslist.Token, error) {
	now := s.Client.now()
	parse := func(b []byte) (statuslist.Token, error) {
		return statuslist.ParseToken(string(b), statuslist.ParseOptions{Keyfunc: is.Keyfunc, URI: uri, Now: s.Client.now})
	}
	if b, ok := s.Cache.read(listFile(uri)); ok {
		if t, err := parse(b); err == nil && t.Fresh(now) {
			return t, nil
		}
	}
	b, err := s.fetch(ctx, uri, "application/statuslist+jwt")
	if err != nil {
		return statuslist.Token{}, fmt.Errorf("status list: %w (a copy is usable for its ttl only)", err)
	}
	t, err := parse(b)
	if err != nil {
		return statuslist.Token{}, err
	}
	return t, s.Cache.write(listFile(uri), b)
}

// Result is what a check found.
type Result struct {
	Valid     bool           `json:"valid"`
	Status    string         `json:"status"` // VALID, INVALID, SUSPENDED, or why the check failed
	Reason    string         `json:"reason,omitempty"`
	Issuer    string         `json:"issuer,omitempty"`
	Type      string         `json:"vct,omitempty"`
	ExpiresAt time.Time      `json:"expiresAt,omitzero"`
	Claims    map[string]any `json:"claims,omitempty"` // disclosed only
	Disclosed []string       `json:"disclosed,omitempty"`
	StatusIdx int            `json:"statusIdx,omitempty"`
	StatusURI string         `json:"statusUri,omitempty"`
	ListAt    time.Time      `json:"statusListIssuedAt,omitzero"`
}

var statusNames = map[uint8]string{statuslist.Valid: "VALID", statuslist.Invalid: "INVALID", statuslist.Suspended: "SUSPENDED"}

// Check verifies a presentation. An error is a check that could not be
// made (no keys, no fresh status list); a presentation that is not
// valid is a Result with Valid false and the reason.
func (s Source) Check(ctx context.Context, presentation string) (Result, error) {
	is, err := s.Issuer(ctx)
	if err != nil {
		return Result{}, err
	}
	opts := sdjwt.Options{Keyfunc: is.Keyfunc, Now: s.Client.now, Typ: Typ, Issuer: is.Issuer}
	v, err := sdjwt.Verify(presentation, opts)
	if errors.Is(err, ErrUnknownKey) && !s.Offline {
		// A key newer than the cached metadata: the issuer rotated.
		if is, err = s.RefreshIssuer(ctx); err != nil {
			return Result{}, err
		}
		opts.Keyfunc = is.Keyfunc
		v, err = sdjwt.Verify(presentation, opts)
	}
	if err != nil {
		return Result{Status: "REJECTED", Reason: err.Error()}, nil
	}
	r := Result{Issuer: is.Issuer, Disclosed: v.Disclosed, Claims: map[string]any{}}
	r.Type, _ = v.Claims["vct"].(string)
	if exp, ok := v.Claims["exp"].(float64); ok {
		r.ExpiresAt = time.Unix(int64(exp), 0)
	}
	for _, n := range v.Disclosed {
		r.Claims[n] = v.Claims[n]
	}
	ref, err := statuslist.ReferenceOf(v.Claims["status"])
	if err != nil {
		return Result{Status: "REJECTED", Reason: err.Error()}, nil
	}
	r.StatusIdx, r.StatusURI = ref.Idx, ref.URI
	list, err := s.StatusList(ctx, is, ref.URI)
	if err != nil {
		return Result{}, err
	}
	st, err := list.Get(ref.Idx)
	if err != nil {
		return Result{Status: "REJECTED", Reason: err.Error()}, nil
	}
	r.ListAt = list.IAT
	r.Status = statusNames[st]
	if r.Status == "" {
		r.Status = fmt.Sprintf("0x%02x", st)
	}
	r.Valid = st == statuslist.Valid
	if !r.Valid {
		r.Reason = "the issuer's status list says " + r.Status
	}
	return r, nil
}

// Sync fetches the issuer's metadata and the given status lists into the
// cache, for checks with no network later (each list usable for its ttl).
// A list given by number is fetched from the server but named, checked and
// kept by its URI under the issuer's identifier, as credentials name it:
// the server may be reached by another name than the one it issues under
// (localhost for 127.0.0.1, an internal host name for the public URL).
func (s Source) Sync(ctx context.Context, lists []string) error {
	is, err := s.RefreshIssuer(ctx)
	if err != nil {
		return err
	}
	for _, l := range lists {
		uri, from := l, l
		if !strings.Contains(l, "://") {
			uri = strings.TrimRight(is.Issuer, "/") + "/credentials/status/" + l
			from = strings.TrimRight(s.Client.BaseURL, "/") + "/credentials/status/" + l
		}
		b, err := s.fetch(ctx, from, "application/statuslist+jwt")
		if err != nil {
			return err
		}
		if _, err := statuslist.ParseToken(string(b), statuslist.ParseOptions{Keyfunc: is.Keyfunc, URI: uri, Now: s.Client.now}); err != nil {
			return err
		}
		if err := s.Cache.write(listFile(uri), b); err != nil {
			return err
		}
	}
	return nil
}

func decodeSegment(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
