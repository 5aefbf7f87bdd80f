package privacy

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sp "github.com/satupintu/satupintu"
)

// User error codes (the schema's UserErrorCode) of the privacy mutations.
const (
	CodeRequired          = "REQUIRED"
	CodeTooLong           = "TOO_LONG"
	CodeDateTooEarly      = "DATE_TOO_EARLY"
	CodeNotFound          = "NOT_FOUND"
	CodeAlreadyInProgress = "ALREADY_IN_PROGRESS"
)

// FieldError is what the citizen can fix: the input field, a code and a
// message in both languages.
type FieldError struct {
	Field   string
	Code    string
	Message sp.Text
}

// SummaryPeriod is how far back home's privacy summary counts.
const SummaryPeriod = 30 * 24 * time.Hour

// Summary is a citizen's access log summed up per agency.
type Summary struct {
	Since  time.Time
	Total  int
	Counts []AgencyCount // most first, then in agency order
}

// AgencyCount is how often one agency's data was touched ("" for
// satupintu's own processing).
type AgencyCount struct {
	Agency sp.Agency
	Count  int
}

// Summarize counts the subject's entries of the last SummaryPeriod.
func Summarize(ctx context.Context, r Reader, subject sp.NIK, now time.Time) (Summary, error) {
	s := Summary{Since: now.Add(-SummaryPeriod)}
	counts, err := r.CountByAgency(ctx, subject, s.Since)
	if err != nil {
		return Summary{}, err
	}
	order := append([]sp.Agency{""}, sp.Agencies...)
	for a, n := range counts {
		s.Total += n
		s.Counts = append(s.Counts, AgencyCount{a, n})
	}
	slices.SortFunc(s.Counts, func(x, y AgencyCount) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(slices.Index(order, x.Agency), slices.Index(order, y.Agency)))
	})
	return s, nil
}

// ReadEntries are the entries of a request's agency reads: one per agency
// and citizen read (the loader keeps one), by actor, each at the time the
// agency answered it (at when a read does not say). A read of the
// actor's own data is theirs; a read of another's (a child's record the
// policy checked) is the actor's as a delegate of that person. Reads the
// citizen asked for are a public service (PUBLIC_TASK).
func ReadEntries(reads []sp.AgencyRead, actor Actor, at time.Time) []Entry {
	out := make([]Entry, 0, len(reads))
	for _, r := range reads {
		a := actor
		if r.Citizen != actor.NIK && a.Kind == ActorCitizen {
			a.Kind = ActorDelegate
		}
		purpose := r.Purpose
		if purpose == "" {
			purpose = "graphql"
		}
		when := at
		if !r.FetchedAt.IsZero() {
			when = r.FetchedAt
		}
		out = append(out, Entry{At: when, Subject: r.Citizen, Actor: a, Agency: r.Agency,
			Categories: CategoriesOf(r.Agency), Purpose: purpose, LegalBasis: BasisPublicTask})
	}
	return out
}

// ConsentInput is a consent as the citizen gives it.
type ConsentInput struct {
	Recipient  string
	Purpose    string
	Categories []Category
	ExpiresAt  time.Time // zero: until withdrawn
}

// GrantConsent stores the subject's consent at now, or says what to fix.
func GrantConsent(ctx context.Context, s Consents, subject sp.NIK, in ConsentInput, now time.Time) (Consent, []FieldError, error) {
	in.Recipient, in.Purpose = strings.TrimSpace(in.Recipient), strings.TrimSpace(in.Purpose)
	var errs []FieldError
	text := func(field, value string, most int, id, en string) {
		switch {
		case value == "":
			errs = append(errs, FieldError{field, CodeRequired, sp.Text{ID: id + " wajib diisi.", EN: en + " is required."}})
		case len(value) > most:
			errs = append(errs, FieldError{field, CodeTooLong, sp.Text{
				ID: id + " paling panjang " + strconv.Itoa(most) + " byte.", EN: en + " is at most " + strconv.Itoa(most) + " bytes."}})
		case !utf8.ValidString(value):
			errs = append(errs, FieldError{field, CodeRequired, sp.Text{ID: id + " tidak valid.", EN: en + " is not valid text."}})
		}
	}
	text("recipient", in.Recipient, MaxRecipientLength, "Penerima", "The recipient")
	text("purpose", in.Purpose, MaxPurposeLength, "Tujuan", "The purpose")
	if len(in.Categories) == 0 {
		errs = append(errs, FieldError{"categories", CodeRequired, sp.Text{
			ID: "Pilih paling sedikit satu jenis data.", EN: "Choose at least one kind of data."}})
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		errs = append(errs, FieldError{"expiresAt", CodeDateTooEarly, sp.Text{
			ID: "Waktu berakhir harus di masa depan.", EN: "The end must be in the future."}})
	}
	if len(errs) > 0 {
		return Consent{}, errs, nil
	}
	c, err := s.Grant(ctx, Consent{Subject: subject, Recipient: in.Recipient, Purpose: in.Purpose,
		Categories: in.Categories, GrantedAt: now, ExpiresAt: in.ExpiresAt})
	return c, nil, err
}

// WithdrawConsent ends the subject's consent id at now. It is in force
// nowhere once this returns: engines store the withdrawal before they
// answer, and readers read the consent at use.
func WithdrawConsent(ctx context.Context, s Consents, subject sp.NIK, id string, now time.Time) (Consent, []FieldError, error) {
	c, err := s.Withdraw(ctx, subject, id, now)
	if errors.Is(err, sp.ErrNotFound) {
		return Consent{}, []FieldError{{"id", CodeNotFound, sp.Text{
			ID: "Persetujuan ini tidak ditemukan.", EN: "No such consent of yours."}}}, nil
	}
	return c, nil, err
}

// InForce reads the subject's consent id now and reports whether it
// permits processing: what anything relying on a consent calls right
// before it acts, never from a cache.
func InForce(ctx context.Context, s Consents, subject sp.NIK, id string, now time.Time) (bool, error) {
	c, err := s.Get(ctx, subject, id)
	if errors.Is(err, sp.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.InForce(now), nil
}
