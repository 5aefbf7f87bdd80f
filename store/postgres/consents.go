package postgres

import (
	"context"
	_ "embed"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

var _ privacy.Consents = (*Consents)(nil)

var (
	//go:embed queries/consents_grant.sql
	consentsGrantSQL string
	//go:embed queries/consents_withdraw.sql
	consentsWithdrawSQL string
	//go:embed queries/consents_get.sql
	consentsGetSQL string
	//go:embed queries/consents_list.sql
	consentsListSQL string
)

// Consents keeps citizens' consents in PostgreSQL (table consents). Every
// read goes to the database: a withdrawal committed on one instance holds
// on every instance at once.
type Consents struct{ db *DB }

// NewConsents is the consent store on db.
func NewConsents(db *DB) *Consents { return &Consents{db: db} }

func (s *Consents) subject(n sp.NIK) []byte { return s.db.keys.Hash(citizenPurpose, []byte(n)) }

// Grant stores c with a new id.
func (s *Consents) Grant(ctx context.Context, c privacy.Consent) (_ privacy.Consent, err error) {
	c.ID = ""
	if c, err = privacy.NormalizeConsent(c); err != nil {
		return privacy.Consent{}, err
	}
	defer wrap(&err, "consents: granting")
	_, err = s.db.pool.Exec(ctx, consentsGrantSQL, c.ID, s.subject(c.Subject), c.Recipient, c.Purpose,
		categoryBits(c.Categories), c.GrantedAt, nullTime(c.ExpiresAt))
	if err != nil {
		return privacy.Consent{}, err
	}
	return c, nil
}

// Withdraw ends the consent at at; the first withdrawal stands.
func (s *Consents) Withdraw(ctx context.Context, subject sp.NIK, id string, at time.Time) (_ privacy.Consent, err error) {
	defer wrap(&err, "consents: withdrawing %s", id)
	return s.one(s.db.pool.QueryRow(ctx, consentsWithdrawSQL, id, s.subject(subject), privacy.Micro(at)), subject)
}

// Get returns the subject's consent id, read from the database.
func (s *Consents) Get(ctx context.Context, subject sp.NIK, id string) (_ privacy.Consent, err error) {
	defer wrap(&err, "consents: reading %s", id)
	return s.one(s.db.pool.QueryRow(ctx, consentsGetSQL, id, s.subject(subject)), subject)
}

// List returns the subject's consents, newest first.
func (s *Consents) List(ctx context.Context, subject sp.NIK) (_ []privacy.Consent, err error) {
	defer wrap(&err, "consents: listing")
	rows, err := s.db.pool.Query(ctx, consentsListSQL, s.subject(subject))
	if err != nil {
		return nil, err
	}
	out := []privacy.Consent{}
	var r consentRow
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		out = append(out, r.consent(subject))
		return nil
	})
	return out, err
}

func (s *Consents) one(row pgx.Row, subject sp.NIK) (privacy.Consent, error) {
	var r consentRow
	err := row.Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return privacy.Consent{}, sp.ErrNotFound
	}
	if err != nil {
		return privacy.Consent{}, err
	}
	return r.consent(subject), nil
}

type consentRow struct {
	id, recipient, purpose string
	cats                   int16
	granted                time.Time
	expires, withdrawn     *time.Time
}

func (r *consentRow) dest() []any {
	return []any{&r.id, &r.recipient, &r.purpose, &r.cats, &r.granted, &r.expires, &r.withdrawn}
}

func (r *consentRow) consent(subject sp.NIK) privacy.Consent {
	c := privacy.Consent{ID: r.id, Subject: subject, Recipient: r.recipient, Purpose: r.purpose,
		Categories: categoriesOf(r.cats), GrantedAt: r.granted.UTC()}
	if r.expires != nil {
		c.ExpiresAt = r.expires.UTC()
	}
	if r.withdrawn != nil {
		c.WithdrawnAt = r.withdrawn.UTC()
	}
	return c
}
