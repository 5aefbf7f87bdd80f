package mandates

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/policy"
)

// Policy is the one policy: may the actor manage the subject's mandates?
type Policy interface {
	May(ctx context.Context, actor, subject sp.NIK, action policy.Action) (policy.Decision, error)
}

// Announcer puts a notification in a citizen's inbox and pushes it to
// their devices (*notifications.Notifier).
type Announcer interface {
	Announce(ctx context.Context, n notifications.Notification) error
}

// Service grants, accepts, revokes and lists mandates, and answers the
// policy which are in force.
type Service struct {
	store  Store
	policy Policy
	notify Announcer
	now    func() time.Time
	log    *slog.Logger
}

// NewService returns the mandates service. notify may be nil (no inbox
// entries, no pushes: tests of the store alone).
func NewService(store Store, pol Policy, notify Announcer, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, policy: pol, notify: notify, now: now, log: log}
}

// WithPolicy sets the policy after construction: the policy asks the
// service which mandates are in force, and the service asks the policy who
// may manage them.
func (s *Service) WithPolicy(p Policy) *Service {
	s.policy = p
	return s
}

var _ policy.Mandates = (*Service)(nil)

// Now is the service's clock: where a mandate stands is read on it.
func (s *Service) Now() time.Time { return s.now() }

// InForce lists the mandates grantor gave grantee that are ACTIVE at now.
func (s *Service) InForce(ctx context.Context, grantor, grantee sp.NIK, now time.Time) ([]policy.Held, error) {
	ms, err := s.store.Between(ctx, grantor, grantee)
	if err != nil {
		return nil, err
	}
	var out []policy.Held
	for _, m := range ms {
		if m.StatusAt(now) == StatusActive {
			out = append(out, policy.Held{ID: m.ID, Matters: m.Matters})
		}
	}
	return out, nil
}

// Grantees lists who holds a mandate from grantor that is ACTIVE at now.
func (s *Service) Grantees(ctx context.Context, grantor sp.NIK, now time.Time) ([]sp.NIK, error) {
	ms, err := s.store.OfParty(ctx, grantor)
	if err != nil {
		return nil, err
	}
	var out []sp.NIK
	for _, m := range ms {
		if m.Grantor == grantor && m.StatusAt(now) == StatusActive {
			out = append(out, m.Grantee)
		}
	}
	return out, nil
}

// FieldError is a grant the citizen can fix: its input field, a code and
// a message in both languages.
type FieldError struct {
	Field   string
	Code    string
	Message sp.Text
}

// The codes of FieldError (the schema's UserErrorCode values).
const (
	CodeInvalidGrantee = "INVALID_GRANTEE"
	CodeNoActions      = "NO_ACTIONS"
	CodeInvalidAction  = "INVALID_ACTION"
	CodeExpiryInPast   = "EXPIRY_IN_PAST"
	CodeExpiryTooFar   = "EXPIRY_TOO_FAR"
	CodeNotFound       = "NOT_FOUND"
	CodeNotPending     = "MANDATE_NOT_PENDING"
	CodeAlreadyEnded   = "MANDATE_ENDED"
)

// Grant is what a grantor sends.
type Grant struct {
	Grantee   sp.NIK
	Matters   []policy.Matter
	ExpiresAt time.Time
}

// Grant stores a PENDING mandate from actor to g.Grantee, or says what to
// fix; both get an inbox entry and a push.
func (s *Service) Grant(ctx context.Context, actor sp.NIK, g Grant) (Mandate, []FieldError, error) {
	if err := s.mayManage(ctx, actor); err != nil {
		return Mandate{}, nil, err
	}
	now := s.now()
	var errs []FieldError
	if _, err := sp.ParseNIK(string(g.Grantee)); err != nil || g.Grantee == actor {
		errs = append(errs, FieldError{"granteeNik", CodeInvalidGrantee, sp.Text{
			ID: "Isi NIK 16 digit orang dewasa lain yang Anda beri kuasa (bukan NIK Anda sendiri).",
			EN: "Enter the 16-digit NIK of another adult you give the mandate to (not your own).",
		}})
	}
	if len(g.Matters) == 0 {
		errs = append(errs, FieldError{"actions", CodeNoActions, sp.Text{
			ID: "Pilih sedikitnya satu hal yang dikuasakan.", EN: "Choose at least one thing the mandate covers.",
		}})
	}
	seen := map[string]bool{}
	var matters []policy.Matter
	for i, m := range g.Matters {
		if err := m.Check(); err != nil {
			errs = append(errs, FieldError{fmt.Sprintf("actions.%d", i), CodeInvalidAction, sp.Text{
				ID: "Hal yang dikuasakan tidak sah: " + err.Error(), EN: "Not something a mandate can cover: " + err.Error(),
			}})
			continue
		}
		if k := matterKey(m); !seen[k] {
			seen[k] = true
			matters = append(matters, m)
		}
	}
	switch {
	case !g.ExpiresAt.After(now):
		errs = append(errs, FieldError{"expiresAt", CodeExpiryInPast, sp.Text{
			ID: "Tanggal berakhir harus setelah sekarang.", EN: "The end must be after now.",
		}})
	case g.ExpiresAt.After(maxEnd(now)):
		errs = append(errs, FieldError{"expiresAt", CodeExpiryTooFar, sp.Text{
			ID: "Surat kuasa berlaku paling lama satu tahun.", EN: "A mandate runs for at most one year.",
		}})
	}
	if len(errs) > 0 {
		return Mandate{}, errs, nil
	}
	m := Mandate{ID: newID(), Grantor: actor, Grantee: g.Grantee, Matters: matters,
		GrantedAt: Micro(now), ExpiresAt: Micro(g.ExpiresAt)}
	if err := s.store.Create(ctx, m); err != nil {
		return Mandate{}, nil, storeUnavailable(err)
	}
	s.log.InfoContext(ctx, "mandate granted", "mandate", m.ID, "request_id", sp.RequestIDFrom(ctx))
	s.announce(ctx, m, "granted")
	return m, nil, nil
}

// Accept makes the actor's PENDING mandate ACTIVE.
func (s *Service) Accept(ctx context.Context, actor sp.NIK, id string) (Mandate, []FieldError, error) {
	return s.change(ctx, actor, id, "accepted", func(m *Mandate, now time.Time) *FieldError {
		if m.Grantee != actor {
			return notFound()
		}
		if m.StatusAt(now) != StatusPending {
			return &FieldError{"id", CodeNotPending, sp.Text{
				ID: "Surat kuasa ini tidak menunggu persetujuan: sudah diterima, dicabut atau berakhir.",
				EN: "This mandate is not waiting for acceptance: it was accepted, revoked or has expired.",
			}}
		}
		m.AcceptedAt = Micro(now)
		return nil
	})
}

// Revoke ends a PENDING or ACTIVE mandate; either side may.
func (s *Service) Revoke(ctx context.Context, actor sp.NIK, id string) (Mandate, []FieldError, error) {
	return s.change(ctx, actor, id, "revoked", func(m *Mandate, now time.Time) *FieldError {
		side := m.SideOf(actor)
		if side == "" {
			return notFound()
		}
		if st := m.StatusAt(now); st != StatusPending && st != StatusActive {
			return &FieldError{"id", CodeAlreadyEnded, sp.Text{
				ID: "Surat kuasa ini sudah dicabut atau berakhir.", EN: "This mandate was already revoked or has expired.",
			}}
		}
		m.RevokedAt, m.RevokedBy = Micro(now), side
		return nil
	})
}

// List is the mandates the actor gave and received, newest first.
func (s *Service) List(ctx context.Context, actor sp.NIK) ([]Mandate, error) {
	if err := s.mayManage(ctx, actor); err != nil {
		return nil, err
	}
	ms, err := s.store.OfParty(ctx, actor)
	if err != nil {
		return nil, storeUnavailable(err)
	}
	return ms, nil
}

// Get is a mandate the actor is a party to, or sp.ErrNotFound.
func (s *Service) Get(ctx context.Context, actor sp.NIK, id string) (Mandate, error) {
	ms, err := s.List(ctx, actor)
	if err != nil {
		return Mandate{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return Mandate{}, sp.ErrNotFound
}

// errRefused carries a FieldError out of a Store.Update.
type errRefused struct{ fe FieldError }

func (e errRefused) Error() string { return e.fe.Code }

func (s *Service) change(ctx context.Context, actor sp.NIK, id, what string, f func(*Mandate, time.Time) *FieldError) (Mandate, []FieldError, error) {
	if err := s.mayManage(ctx, actor); err != nil {
		return Mandate{}, nil, err
	}
	now := s.now()
	m, err := s.store.Update(ctx, id, func(m *Mandate) error {
		if fe := f(m, now); fe != nil {
			return errRefused{*fe}
		}
		return nil
	})
	var refused errRefused
	switch {
	case errors.As(err, &refused):
		return Mandate{}, []FieldError{refused.fe}, nil
	case errors.Is(err, sp.ErrNotFound):
		return Mandate{}, []FieldError{*notFound()}, nil
	case err != nil:
		return Mandate{}, nil, storeUnavailable(err)
	}
	s.log.InfoContext(ctx, "mandate "+what, "mandate", m.ID, "request_id", sp.RequestIDFrom(ctx))
	s.announce(ctx, m, what)
	return m, nil, nil
}

// mayManage asks the policy whether actor may manage their own mandates
// (only they may: the policy says so for anyone else).
func (s *Service) mayManage(ctx context.Context, actor sp.NIK) error {
	if s.policy == nil {
		return errors.New("mandates: no policy decides who may manage mandates")
	}
	a := policy.Manage()
	d, err := s.policy.May(ctx, actor, actor, a)
	if err != nil {
		return err
	}
	if !d.Allowed {
		return d.Forbidden(a)
	}
	return nil
}

func notFound() *FieldError {
	return &FieldError{"id", CodeNotFound, sp.Text{ID: "Surat kuasa tidak ditemukan.", EN: "No such mandate."}}
}

// announce tells both sides what happened, in their inbox and by a push.
// The mandate is stored already: a failed announcement is logged, and the
// mandate stands (the mandates list shows it either way).
func (s *Service) announce(ctx context.Context, m Mandate, what string) {
	if s.notify == nil {
		return
	}
	title, body := texts(m, what)
	for _, nik := range []sp.NIK{m.Grantor, m.Grantee} {
		n := notifications.Notification{
			ID: "mandate-" + m.ID + "-" + what + "-" + strings.ToLower(string(m.SideOf(nik))), Citizen: nik,
			Kind: notifications.KindMandate, Title: title, Body: body,
			DeepLink: "satupintu://mandates/" + m.ID, CreatedAt: s.now(),
		}
		if err := s.notify.Announce(ctx, n); err != nil {
			s.log.ErrorContext(ctx, "mandate notification not sent", "mandate", m.ID, "error", err)
		}
	}
}

func texts(m Mandate, what string) (title, body sp.Text) {
	switch what {
	case "granted":
		return sp.Text{ID: "Surat kuasa baru", EN: "New mandate"},
			sp.Text{ID: "Surat kuasa dibuat dan menunggu persetujuan penerima kuasa.", EN: "A mandate was granted and waits for the grantee to accept it."}
	case "accepted":
		return sp.Text{ID: "Surat kuasa diterima", EN: "Mandate accepted"},
			sp.Text{ID: "Penerima kuasa menerima surat kuasa; kini dapat digunakan sampai berakhir atau dicabut.", EN: "The grantee accepted the mandate; it can be used until it ends or is revoked."}
	}
	by := sp.Text{ID: "pemberi kuasa", EN: "the grantor"}
	if m.RevokedBy == SideGrantee {
		by = sp.Text{ID: "penerima kuasa", EN: "the grantee"}
	}
	return sp.Text{ID: "Surat kuasa dicabut", EN: "Mandate revoked"},
		sp.Text{ID: "Surat kuasa dicabut oleh " + by.ID + " dan tidak dapat digunakan lagi.", EN: "The mandate was revoked by " + by.EN + " and can no longer be used."}
}

func newID() string { return strings.ToLower(rand.Text()) }

func storeUnavailable(err error) error {
	return &sp.Error{Code: sp.CodeUnavailable, Err: err, Message: "mandates cannot be reached right now: try again shortly"}
}
