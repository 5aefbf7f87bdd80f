// Package cases is the heart of satupintu: a citizen's request ("case") is
// validated against the service catalog, stored with its forward job in one
// atomic step, forwarded to the agency responsible until it acknowledges,
// and moved through its statuses by the agency's signed events or by
// polling, with a history of every change.
package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/privacy"
)

// Service handles citizens' cases and agencies' events.
type Service struct {
	store     Store
	catalog   *catalog.Catalog
	policy    Policy
	now       func() time.Time
	log       *slog.Logger
	accessLog privacy.Log
	billFees  bool
}

// WithPayments has s hold a new case of a service whose fee is paid in the
// app before forwarding (catalog Payment) in AWAITING_PAYMENT until package
// payments records its payment, and move a case whose fee is due after
// approval to AWAITING_PAYMENT when the agency approves it; without it
// such cases go their way and the fee is paid at the agency, as before
// payments were built.
func (s *Service) WithPayments() *Service {
	s.billFees = true
	return s
}

// feeAfterApproval reports whether c's fee is billed in the app once the
// agency approves it.
func (s *Service) feeAfterApproval(c *Case) bool {
	if !s.billFees {
		return false
	}
	svc, ok := s.catalog.Service(c.ServiceID)
	if !ok {
		return false
	}
	due, ok := svc.Due(c.Fields)
	return ok && due == catalog.FeeAfterApproval
}

// WithAccessLog has s write the entry of each agency event to l before it
// is acknowledged; without one, none is written.
func (s *Service) WithAccessLog(l privacy.Log) *Service {
	s.accessLog = l
	return s
}

// Policy decides whether a citizen may apply, and for whom: the applicant
// against the service's minimum age, every person a form names against who
// the citizen may act for. *policy.Policy is the one implementation.
type Policy interface {
	May(ctx context.Context, actor, subject sp.NIK, action policy.Action) (policy.Decision, error)
}

// NewService returns the case service over store. Without a policy every
// submission fails (nothing decides who may apply); reads and agency
// events work.
func NewService(store Store, cat *catalog.Catalog, pol Policy, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, catalog: cat, policy: pol, now: now, log: log}
}

// Catalog is the service catalog cases are checked against.
func (s *Service) Catalog() *catalog.Catalog { return s.catalog }

// Submission is what a citizen sends.
type Submission struct {
	// Citizen is whose case it is (the subject); Actor who applies for
	// them: "" or the citizen when they apply themself.
	Citizen        sp.NIK
	Actor          sp.NIK
	ActorName      string // the actor's name, for the subject's access log
	ServiceID      string
	IdempotencyKey string
	Fields         map[string]string
}

// SubmitResult is the stored case, or the reasons nothing was stored.
type SubmitResult struct {
	Case       *Case
	Created    bool
	UserErrors []catalog.UserError
}

// FactsFunc reads the agency data a service's eligibility rules need, and
// the education records its NISN person fields are resolved through.
type FactsFunc func(ctx context.Context, needs catalog.Needs) (catalog.Facts, error)

var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// Submit validates a submission, asks the policy whether the citizen may
// apply (the service's minimum age) and may act for every person the form
// names, checks eligibility, and stores it with its forward job. It answers
// without waiting for the agency. The same idempotency key from the same
// citizen returns the first case and stores nothing again.
func (s *Service) Submit(ctx context.Context, sub Submission, facts FactsFunc) (SubmitResult, error) {
	if !idempotencyKeyPattern.MatchString(sub.IdempotencyKey) {
		return refuse(userError("idempotencyKey", "INVALID_IDEMPOTENCY_KEY",
			"Kunci idempotensi harus 8–128 karakter huruf, angka, titik, titik dua, garis bawah atau tanda hubung; buat satu per permohonan (misalnya UUID).",
			"The idempotency key must be 8–128 letters, digits, dots, colons, underscores or hyphens; make one per request (a UUID, say).")), nil
	}
	actor := sub.Actor
	if actor == "" {
		actor = sub.Citizen
	}
	if actor != sub.Citizen {
		// Applying for someone else: may the actor, for this service? Asked
		// before anything of the subject's is looked at, a stored case
		// included.
		svc, ok := s.catalog.Service(sub.ServiceID)
		if !ok {
			return refuse(userError("serviceId", "UNKNOWN_SERVICE",
				"Layanan tidak dikenal: pilih layanan dari katalog.", "Unknown service: pick one from the catalog.")), nil
		}
		if s.policy == nil {
			return SubmitResult{}, errors.New("cases: no policy decides who may apply")
		}
		d, err := s.policy.May(ctx, actor, sub.Citizen, policy.ApplyFor(svc.ID, policy.MinorChild, policy.Mandate))
		if err != nil {
			return SubmitResult{}, err
		}
		if !d.Allowed {
			return refuse(catalog.UserError{Field: "subjectNik", Code: catalog.CodePersonNotAllowed, Message: d.Message()}), nil
		}
	}
	// A retry of a stored submission gets its case back at once: not
	// checked again against agencies that may be down or days that moved.
	if prev, err := s.store.Find(ctx, sub.Citizen, sub.IdempotencyKey); err == nil {
		if prev.ServiceID != sub.ServiceID {
			return refuse(keyReused()), nil
		}
		if svc, ok := s.catalog.Service(sub.ServiceID); ok && prev.RequestHash != requestHash(svc.ID, svc.Normalize(sub.Fields)) {
			return refuse(keyReused()), nil
		}
		return SubmitResult{Case: prev}, nil
	} else if !errors.Is(err, sp.ErrNotFound) {
		return SubmitResult{}, storeUnavailable(err)
	}
	svc, ok := s.catalog.Service(sub.ServiceID)
	if !ok {
		return refuse(userError("serviceId", "UNKNOWN_SERVICE",
			"Layanan tidak dikenal: pilih layanan dari katalog.", "Unknown service: pick one from the catalog.")), nil
	}
	if svc.Channel != catalog.ChannelOnline {
		return refuse(userError("serviceId", "OFFLINE_SERVICE",
			"Layanan ini belum dapat diajukan lewat aplikasi; lihat di mana dan cara mengurusnya di halaman layanan.",
			"This service cannot be requested in the app yet; see where and how on the service page.")), nil
	}
	today := sp.DateOf(s.now())
	if errs := svc.Validate(sub.Fields, today); len(errs) > 0 {
		return refuse(errs...), nil
	}
	fields := svc.Normalize(sub.Fields)
	if s.policy == nil {
		return SubmitResult{}, errors.New("cases: no policy decides who may apply")
	}
	// May the citizen have the service at all (its minimum age)? Asked
	// before any agency is read for it.
	apply := policy.ApplyFor(svc.ID, policy.Self)
	apply.MinAge = svc.MinAge
	d, err := s.policy.May(ctx, sub.Citizen, sub.Citizen, apply)
	if err != nil {
		return SubmitResult{}, err
	}
	if !d.Allowed {
		return refuse(refusal("serviceId", d)), nil
	}

	var f catalog.Facts
	if needs := svc.Needs(); needs != (catalog.Needs{}) {
		if f, err = facts(ctx, needs); err != nil {
			return SubmitResult{}, err
		}
		f.Today = today
	}
	// Who the form names before what the agencies say about them: the
	// eligibility of a person the citizen may not act for is none of their
	// business.
	errs, err := s.persons(ctx, actor, sub.Citizen, svc, fields, f)
	if err != nil {
		return SubmitResult{}, err
	}
	if len(errs) > 0 {
		return refuse(errs...), nil
	}
	if len(svc.Eligibility) > 0 {
		if errs := svc.CheckEligibility(fields, f); len(errs) > 0 {
			return refuse(errs...), nil
		}
	}

	now := s.now()
	// A fee paid in the app: the case waits for it (package payments bills
	// it) and is forwarded once paid.
	status := StatusSubmitted
	if due, ok := svc.Due(fields); ok && due == catalog.FeeBeforeForwarding && s.billFees {
		status = StatusAwaitingPay
	}
	c := &Case{
		Citizen: sub.Citizen, Actor: delegate(actor, sub.Citizen), ServiceID: svc.ID, Agency: svc.Agency, Fields: fields,
		Status: status, CreatedAt: now, UpdatedAt: now,
		IdempotencyKey: sub.IdempotencyKey, RequestHash: requestHash(svc.ID, fields), SingleOpen: svc.SingleOpen,
		Delivery: Delivery{State: DeliveryPending},
		History:  []Entry{{At: now, Status: status, Source: SourceCitizen}},
	}
	stored, created, err := s.store.Create(ctx, c)
	var busy *InProgress
	switch {
	case errors.As(err, &busy):
		return refuse(userError("serviceId", "ALREADY_IN_PROGRESS",
			"Anda sudah punya permohonan layanan ini yang sedang diproses: pantau atau batalkan yang itu dulu.",
			"You already have a request for this service in progress: follow or cancel that one first.")), nil
	case err != nil:
		return SubmitResult{}, storeUnavailable(err)
	}
	if !created && stored.RequestHash != c.RequestHash {
		return refuse(keyReused()), nil
	}
	if created && stored.Actor != "" {
		// The subject's access log names who applied for them.
		if err := record(ctx, s.accessLog, appliedEntry(stored, sub.ActorName)); err != nil {
			return SubmitResult{}, fmt.Errorf("logging the application for someone else: %w", err)
		}
	}
	if created {
		s.log.InfoContext(ctx, "case submitted", "case", stored.ID, "service", stored.ServiceID, "agency", stored.Agency,
			"request_id", sp.RequestIDFrom(ctx))
	}
	return SubmitResult{Case: stored, Created: created}, nil
}

// persons asks the policy whether the actor may act for each person the
// form names; each refusal is a user error on its field. On a form filled
// in for a subject, a field that may name the applicant (SELF) and names
// the subject is theirs: the actor's right to apply for them was decided
// already.
func (s *Service) persons(ctx context.Context, actor, subject sp.NIK, svc *catalog.Service, fields map[string]string, f catalog.Facts) ([]catalog.UserError, error) {
	var errs []catalog.UserError
	for _, fl := range svc.PersonFields() {
		v := fields[fl.Name]
		if v == "" { // an optional person field left empty names nobody
			continue
		}
		person := fl.Person.Subject(v, f)
		if actor != subject && person == subject && slices.Contains(fl.Person.Relations, policy.Self) {
			continue
		}
		d, err := s.policy.May(ctx, actor, person, policy.ApplyFor(svc.ID, fl.Person.Relations...))
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			errs = append(errs, refusal(fl.Name, d))
		}
	}
	return errs, nil
}

// refusal is the user error of a refused decision about field: the
// applicant's age, or a person they may not act for.
func refusal(field string, d policy.Decision) catalog.UserError {
	code := catalog.CodePersonNotAllowed
	if d.Reason == policy.UnderAge || d.Reason == policy.AgeUnknown {
		code = catalog.CodeAgeRequirement
	}
	return catalog.UserError{Field: field, Code: code, Message: d.Message()}
}

// delegate is the actor of a case: "" when the citizen applied themself.
func delegate(actor, citizen sp.NIK) sp.NIK {
	if actor == citizen {
		return ""
	}
	return actor
}

func refuse(errs ...catalog.UserError) SubmitResult { return SubmitResult{UserErrors: errs} }

// storeUnavailable is a submission the store could not confirm (PostgreSQL
// unreachable). The case may or may not be stored: the same request with
// the same idempotency key is safe, and tells.
func storeUnavailable(err error) error {
	return &sp.Error{Code: sp.CodeUnavailable, Err: err,
		Message: "the request could not be confirmed: send it again with the same idempotency key (it will not be submitted twice)"}
}

func keyReused() catalog.UserError {
	return userError("idempotencyKey", "IDEMPOTENCY_KEY_REUSED",
		"Kunci idempotensi ini sudah dipakai untuk permohonan lain: buat kunci baru untuk permohonan baru.",
		"This idempotency key was used for a different request: make a new key for a new request.")
}

func userError(field, code, id, en string) catalog.UserError {
	return catalog.UserError{Field: field, Code: code, Message: sp.Text{ID: id, EN: en}}
}

// requestHash fingerprints a submission, so a reused idempotency key with
// different content is caught.
func requestHash(serviceID string, fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	fmt.Fprintf(h, "%q", serviceID)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%q=%q", k, fields[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the citizen's case. Another citizen's case is not found: its
// existence is nobody else's business.
func (s *Service) Get(ctx context.Context, citizen sp.NIK, id string) (*Case, error) {
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Citizen != citizen {
		return nil, sp.ErrNotFound
	}
	return c, nil
}

// List pages through the citizen's cases, newest first.
func (s *Service) List(ctx context.Context, citizen sp.NIK, q ListQuery) ([]*Case, string, error) {
	return s.store.List(ctx, citizen, q)
}

// Count is how many cases the citizen has in status ("" for all).
func (s *Service) Count(ctx context.Context, citizen sp.NIK, status Status) (int, error) {
	return s.store.Count(ctx, citizen, status)
}

// Cancel withdraws the citizen's case while the agency has not started
// reviewing it. An agency that already has it is told (by the dispatcher).
func (s *Service) Cancel(ctx context.Context, citizen sp.NIK, id string) (*Case, error) {
	if _, err := s.Get(ctx, citizen, id); err != nil {
		return nil, err
	}
	return s.store.Update(ctx, id, func(c *Case) error {
		if !c.Status.Cancellable() {
			return ErrNotCancelable
		}
		now := s.now()
		c.Status = StatusCancelled
		c.UpdatedAt = now
		c.History = append(c.History, Entry{At: now, Status: StatusCancelled, Source: SourceCitizen})
		return nil
	})
}

// ApplyEvent folds an agency's event into its case. The agency must be the
// one the case was routed to.
func (s *Service) ApplyEvent(ctx context.Context, a sp.Agency, caseID string, e Event) (Outcome, *Case, error) {
	var (
		outcome Outcome
		skipped []Event
	)
	c, err := s.store.Update(ctx, caseID, func(c *Case) error {
		if c.Agency != a {
			return ErrForeignCase
		}
		var err error
		outcome, skipped, err = c.apply(e, afterApproval{due: s.feeAfterApproval(c), now: s.now()})
		if err != nil {
			return err
		}
		if outcome == OutcomeDuplicate {
			return ErrNoChange
		}
		c.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	// Logged for a duplicate too: an event whose entry a crash lost is
	// logged when the agency sends it again (the entry's id and time are
	// the event's: logged already, it adds nothing).
	if err := record(ctx, s.accessLog, eventEntry(a, c, e)); err != nil {
		return "", nil, fmt.Errorf("logging the agency event: %w", err)
	}
	if outcome != OutcomeDuplicate {
		s.log.InfoContext(ctx, "agency event", "case", caseID, "agency", a, "sequence", e.Sequence,
			"status", e.Status, "outcome", outcome, "source", e.Source)
	}
	for _, x := range skipped {
		s.log.WarnContext(ctx, "held agency event skipped: impossible when its turn came", "case", caseID, "agency", a,
			"sequence", x.Sequence, "status", x.Status, "case_status", c.Status)
	}
	return outcome, c, nil
}
