package documents

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents/sdjwt"
	"github.com/satupintu/satupintu/documents/statuslist"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/signing"
)

// Typ is the JOSE header typ of satupintu's credentials (SD-JWT VC).
const Typ = "dc+sd-jwt"

// Defaults of Config.
const (
	DefaultShareTTL       = 180 * time.Second
	DefaultCredentialTTL  = 24 * time.Hour
	DefaultStatusTTL      = 5 * time.Minute
	DefaultStatusValidity = 24 * time.Hour
	DefaultListSize       = 1 << 17
)

// Config is what the wallet is built from.
type Config struct {
	// PublicURL is the issuer (iss) and where verifiers reach the status
	// lists, the issuer metadata and the verify API; no trailing slash.
	PublicURL string
	Keys      *signing.Keyring
	Slots     StatusSlots
	Shares    Shares
	History   ShareHistory
	Verifiers []Verifier
	Log       privacy.Log
	Consents  privacy.Consents
	Now       func() time.Time
	Logger    *slog.Logger

	ShareTTL       time.Duration // a share's code works this long (180s)
	CredentialTTL  time.Duration // a credential's life, capped by the document's validity
	StatusTTL      time.Duration // ttl of a status list: how long a verifier may use its copy
	StatusValidity time.Duration // exp of a status list token after its iat
	ListSize       int           // statuses per list
}

// Service is the wallet.
type Service struct {
	cfg       Config
	verifiers map[string]Verifier
	purposes  []string // every registered purpose
}

// New returns the wallet of cfg. Its lifetimes, clock and logger come
// from the caller (the app's config holds their defaults); the status
// lists' validity and size, fixed by design, default here when zero.
func New(cfg Config) (*Service, error) {
	var missing []string
	for _, r := range []struct {
		name string
		ok   bool
	}{{"Keys", cfg.Keys != nil}, {"Slots", cfg.Slots != nil}, {"Shares", cfg.Shares != nil}, {"History", cfg.History != nil},
		{"Log", cfg.Log != nil}, {"Consents", cfg.Consents != nil}, {"Now", cfg.Now != nil}, {"Logger", cfg.Logger != nil},
		{"ShareTTL", cfg.ShareTTL > 0}, {"CredentialTTL", cfg.CredentialTTL > 0}, {"StatusTTL", cfg.StatusTTL > 0}} {
		if !r.ok {
			missing = append(missing, r.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("documents: the wallet needs %s", strings.Join(missing, ", "))
	}
	if err := ValidateVerifiers(cfg.Verifiers); err != nil {
		return nil, err
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.StatusValidity <= 0 {
		cfg.StatusValidity = DefaultStatusValidity
	}
	if cfg.ListSize <= 0 {
		cfg.ListSize = DefaultListSize
	}
	s := &Service{cfg: cfg, verifiers: map[string]Verifier{}}
	for _, v := range cfg.Verifiers {
		s.verifiers[v.ID] = v
		for _, p := range v.Purposes {
			if !slices.Contains(s.purposes, p) {
				s.purposes = append(s.purposes, p)
			}
		}
	}
	slices.Sort(s.purposes)
	return s, nil
}

// Verifier returns the registration of id.
func (s *Service) Verifier(id string) (Verifier, bool) {
	v, ok := s.verifiers[id]
	return v, ok
}

// Verifiers are the registrations, in configuration order.
func (s *Service) Verifiers() []Verifier { return slices.Clone(s.cfg.Verifiers) }

// Purposes are every purpose some verifier is registered for, sorted.
func (s *Service) Purposes() []string { return slices.Clone(s.purposes) }

// Now is the wallet's clock.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// Today is the day of the wallet's clock (WIB).
func (s *Service) Today() sp.Date { return sp.DateOf(s.cfg.Now()) }

// statusValue is a document status in the list.
func statusValue(st Status) uint8 {
	switch st {
	case StatusSuspended:
		return statuslist.Suspended
	case StatusExpired, StatusRevoked:
		return statuslist.Invalid
	}
	return statuslist.Valid
}

// Sync writes each document's status to its slot: the status lists follow
// the agencies' answers each time the documents are read.
func (s *Service) Sync(ctx context.Context, docs []Document) error {
	for _, d := range docs {
		if _, err := s.cfg.Slots.Put(ctx, d.Key(), statusValue(d.Status), s.cfg.Now()); err != nil {
			return fmt.Errorf("documents: recording the status of a %s: %w", d.Type, err)
		}
	}
	return nil
}

// reference is the status-list reference of slot n.
func (s *Service) reference(n int64) statuslist.Reference {
	size := int64(s.cfg.ListSize)
	return statuslist.Reference{Idx: int(n % size), URI: s.StatusListURI(int(n/size) + 1)}
}

// StatusListURI is where list is served.
func (s *Service) StatusListURI(list int) string {
	return s.cfg.PublicURL + "/credentials/status/" + strconv.Itoa(list)
}

// VCT is the credential type of t: <public url>/credentials/<type>.
func (s *Service) VCT(t Type) string {
	return s.cfg.PublicURL + "/credentials/" + strings.ToLower(string(t))
}

// Issuer is the credentials' iss.
func (s *Service) Issuer() string { return s.cfg.PublicURL }

// Credential issues d as an SD-JWT VC with every claim disclosable and all
// disclosures attached (the holder's copy), expiring at exp at the latest:
// at the end of the document's validity when that comes sooner and is
// still ahead (a document expired already says so through its status).
func (s *Service) Credential(ctx context.Context, d Document, exp time.Time) (string, error) {
	if !d.HasIdentity() {
		return "", sp.Errorf(sp.CodeUnavailable, "the civil registry cannot be read now: the document cannot be issued; try again shortly")
	}
	now := s.cfg.Now()
	if !d.ValidUntil.IsZero() {
		if end := d.ValidUntil.AddDays(1).Time(); end.After(now) && end.Before(exp) {
			exp = end
		}
	}
	n, err := s.cfg.Slots.Put(ctx, d.Key(), statusValue(d.Status), now)
	if err != nil {
		return "", fmt.Errorf("documents: the status slot of a %s: %w", d.Type, err)
	}
	visible := map[string]any{
		"iss":               s.cfg.PublicURL,
		"iat":               now.Unix(),
		"exp":               exp.Unix(),
		"vct":               s.VCT(d.Type),
		"status":            s.reference(n).Claim(),
		"issuing_authority": d.Issuer,
		"issuing_country":   "ID",
	}
	ds := make([]sdjwt.Disclosure, 0, len(d.Claims))
	for _, c := range d.Claims {
		dc, err := sdjwt.NewDisclosure(c.Name, c.Value)
		if err != nil {
			return "", err
		}
		ds = append(ds, dc)
	}
	return sdjwt.Issue(s.cfg.Keys, Typ, visible, ds)
}

// HolderCredential is d's credential for the citizen's own wallet.
func (s *Service) HolderCredential(ctx context.Context, d Document) (string, error) {
	return s.Credential(ctx, d, s.cfg.Now().Add(s.cfg.CredentialTTL))
}

// Refusals of shareDocument, for the citizen to act on.
var (
	ErrNoClaims       = errors.New("documents: choose at least one claim to share")
	ErrUnknownClaim   = errors.New("documents: not a claim of this document")
	ErrInvalidPurpose = errors.New("documents: no registered verifier verifies for this purpose")
)

// ShareRequest is what the citizen chose.
type ShareRequest struct {
	Claims  []string
	Purpose string
	Offline bool
}

// Created is a new share with its one-time secrets, shown once.
type Created struct {
	Share
	Code  string
	Link  string
	QRPNG []byte
}

// Share makes a one-time share of d disclosing only the claims chosen:
// valid ShareTTL and for one verification. Offline, the QR carries the
// presentation itself, which expires with the share.
func (s *Service) Share(ctx context.Context, d Document, req ShareRequest) (Created, error) {
	claims, err := s.chosen(d, req.Claims)
	if err != nil {
		return Created{}, err
	}
	if !slices.Contains(s.purposes, req.Purpose) {
		return Created{}, ErrInvalidPurpose
	}
	now := s.cfg.Now()
	expires := now.Add(s.cfg.ShareTTL)
	exp := now.Add(s.cfg.CredentialTTL)
	if req.Offline {
		// A presentation that travels without the code is a bearer copy:
		// it lives no longer than the share.
		exp = expires
	}
	full, err := s.Credential(ctx, d, exp)
	if err != nil {
		return Created{}, err
	}
	parsed, err := sdjwt.Parse(full)
	if err != nil {
		return Created{}, err
	}
	code, id := newCode(), newID()
	sh := Share{
		ID: id, CodeHash: HashCode(code), Subject: d.Holder, DocumentType: d.Type, DocumentClass: d.Class, Agency: d.Agency,
		Claims: claims, Purpose: req.Purpose, Offline: req.Offline, CreatedAt: now, ExpiresAt: expires,
		Presentation: parsed.Select(claims...).String(),
	}
	link := s.cfg.PublicURL + "/s/" + code
	qrContent, level := link, qrcode.Medium
	if req.Offline {
		qrContent, level = sh.Presentation, qrcode.Low
	}
	png, err := qrPNG(qrContent, level)
	if err != nil {
		return Created{}, err
	}
	if err := s.cfg.Shares.Create(ctx, sh); err != nil {
		return Created{}, fmt.Errorf("documents: storing a share: %w", err)
	}
	return Created{Share: sh, Code: code, Link: link, QRPNG: png}, nil
}

// chosen checks the claims asked for and returns them once each, in the
// document's order.
func (s *Service) chosen(d Document, asked []string) ([]string, error) {
	if len(asked) == 0 {
		return nil, ErrNoClaims
	}
	var out []string
	for _, c := range d.Claims {
		if slices.Contains(asked, c.Name) {
			out = append(out, c.Name)
		}
	}
	for _, a := range asked {
		if !slices.Contains(out, a) {
			return nil, fmt.Errorf("%w: %q", ErrUnknownClaim, a)
		}
	}
	return out, nil
}

// qrPNG draws content as a QR code; large contents (a presentation) get
// small modules so the image stays a screen's size.
func qrPNG(content string, level qrcode.RecoveryLevel) ([]byte, error) {
	q, err := qrcode.New(content, level)
	if err != nil {
		return nil, fmt.Errorf("documents: QR code: %w", err)
	}
	px := -8
	if len(content) > 300 {
		px = -4
	}
	return q.PNG(px)
}

// codeAlphabet has no 0/O or 1/I, for a code read out at a counter.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLength is the length of a share code: 12 symbols of 32, 60 bits.
const CodeLength = 12

func newCode() string {
	b := make([]byte, CodeLength)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NormalizeCode reads a code as typed: case and separators ignored.
func NormalizeCode(code string) string {
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != CodeLength || strings.Trim(code, codeAlphabet) != "" {
		return ""
	}
	return code
}

// HashCode is how a code is stored and looked up.
func HashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// IssuerMetadata is the document at /.well-known/jwt-vc-issuer: the issuer
// and its keys inline, every key that may have signed a live credential.
func (s *Service) IssuerMetadata() ([]byte, error) {
	jwks, err := s.cfg.Keys.JWKS()
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"issuer": s.cfg.PublicURL, "jwks": json.RawMessage(jwks)})
}

// JWKS is the issuer's public keys.
func (s *Service) JWKS() ([]byte, error) { return s.cfg.Keys.JWKS() }

// MaxList bounds the list numbers served.
const MaxList = 1 << 20

// StatusList signs list as it stands: every slot's latest status.
func (s *Service) StatusList(ctx context.Context, list int) (string, error) {
	if list < 1 || list > MaxList {
		return "", sp.ErrNotFound
	}
	size := int64(s.cfg.ListSize)
	from := int64(list-1) * size
	got, err := s.cfg.Slots.Statuses(ctx, from, from+size)
	if err != nil {
		return "", fmt.Errorf("documents: reading status list %d: %w", list, err)
	}
	l := statuslist.New(s.cfg.ListSize)
	for n, v := range got {
		if err := l.Set(int(n-from), v); err != nil {
			return "", err
		}
	}
	now := s.cfg.Now()
	return statuslist.Token{URI: s.StatusListURI(list), IAT: now, EXP: now.Add(s.cfg.StatusValidity), TTL: s.cfg.StatusTTL, List: l}.Sign(s.cfg.Keys)
}

// StatusTTL is how long a verifier may use its copy of a list.
func (s *Service) StatusTTL() time.Duration { return s.cfg.StatusTTL }

// History is a page of the citizen's shares, newest first.
func (s *Service) History(ctx context.Context, nik sp.NIK, after *sp.Position, n int) ([]Share, error) {
	return s.cfg.History.List(ctx, nik, after, n)
}

// HistoryCount is how many shares the citizen has made.
func (s *Service) HistoryCount(ctx context.Context, nik sp.NIK) (int, error) {
	return s.cfg.History.Count(ctx, nik)
}
