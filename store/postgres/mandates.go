package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/mandates"
)

var _ mandates.Store = (*Mandates)(nil)

// Mandates keeps mandates in PostgreSQL (table mandates). Every read goes
// to the database: a revocation committed on one instance holds on every
// instance at once.
type Mandates struct{ db *DB }

// NewMandates is the mandate store on db.
func NewMandates(db *DB) *Mandates { return &Mandates{db: db} }

const mandateColumns = `id, parties, matters, granted_at, expires_at, accepted_at, revoked_at, revoked_by`

func (s *Mandates) hash(n sp.NIK) []byte { return s.db.keys.Hash(citizenPurpose, []byte(n)) }

func mandatePartiesContext(id string) []byte { return []byte("mandates.parties\x00" + id) }

// Create stores m.
func (s *Mandates) Create(ctx context.Context, m mandates.Mandate) (err error) {
	defer wrap(&err, "mandates: creating")
	parties := s.db.keys.Seal([]byte(string(m.Grantor)+" "+string(m.Grantee)), mandatePartiesContext(m.ID))
	_, err = s.db.pool.Exec(ctx, `INSERT INTO mandates (id, grantor_hash, grantee_hash, parties, matters, granted_at, expires_at, accepted_at, revoked_at, revoked_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, s.hash(m.Grantor), s.hash(m.Grantee), parties, mandates.EncodeMatters(m.Matters), m.GrantedAt, m.ExpiresAt,
		nullTime(m.AcceptedAt), nullTime(m.RevokedAt), string(m.RevokedBy))
	return err
}

// Update changes mandate id under f, in one transaction holding its row.
func (s *Mandates) Update(ctx context.Context, id string, f func(*mandates.Mandate) error) (out mandates.Mandate, err error) {
	defer wrap(&err, "mandates: updating %s", id)
	err = s.db.WithTx(ctx, func(tx pgx.Tx) error {
		m, err := s.scan(tx.QueryRow(ctx, `SELECT `+mandateColumns+` FROM mandates WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		grantor, grantee := m.Grantor, m.Grantee
		if err := f(&m); err != nil {
			return err
		}
		m.ID, m.Grantor, m.Grantee = id, grantor, grantee
		if _, err := tx.Exec(ctx, `UPDATE mandates SET matters = $2, expires_at = $3, accepted_at = $4, revoked_at = $5, revoked_by = $6 WHERE id = $1`,
			id, mandates.EncodeMatters(m.Matters), m.ExpiresAt, nullTime(m.AcceptedAt), nullTime(m.RevokedAt), string(m.RevokedBy)); err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

// OfParty lists the mandates nik gave or received, newest first.
func (s *Mandates) OfParty(ctx context.Context, nik sp.NIK) (_ []mandates.Mandate, err error) {
	defer wrap(&err, "mandates: listing")
	h := s.hash(nik)
	return s.list(ctx, `SELECT `+mandateColumns+` FROM mandates WHERE grantor_hash = $1 OR grantee_hash = $1 ORDER BY granted_at DESC, id DESC`, h)
}

// Between lists the mandates grantor gave grantee, newest first.
func (s *Mandates) Between(ctx context.Context, grantor, grantee sp.NIK) (_ []mandates.Mandate, err error) {
	defer wrap(&err, "mandates: reading")
	return s.list(ctx, `SELECT `+mandateColumns+` FROM mandates WHERE grantor_hash = $1 AND grantee_hash = $2 ORDER BY granted_at DESC, id DESC`,
		s.hash(grantor), s.hash(grantee))
}

func (s *Mandates) list(ctx context.Context, query string, args ...any) ([]mandates.Mandate, error) {
	rows, err := s.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []mandates.Mandate{}
	for rows.Next() {
		m, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Mandates) scan(row pgx.Row) (mandates.Mandate, error) {
	var (
		m                 mandates.Mandate
		parties           []byte
		matters           []string
		accepted, revoked *time.Time
		revokedBy         string
	)
	err := row.Scan(&m.ID, &parties, &matters, &m.GrantedAt, &m.ExpiresAt, &accepted, &revoked, &revokedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, sp.ErrNotFound
	}
	if err != nil {
		return m, err
	}
	plain, err := s.db.keys.Open(parties, mandatePartiesContext(m.ID))
	if err != nil {
		return m, fmt.Errorf("mandate %s: opening the parties: %w", m.ID, err)
	}
	grantor, grantee, _ := strings.Cut(string(plain), " ")
	m.Grantor, m.Grantee = sp.NIK(grantor), sp.NIK(grantee)
	if m.Matters, err = mandates.DecodeMatters(matters); err != nil {
		return m, err
	}
	m.GrantedAt, m.ExpiresAt = m.GrantedAt.UTC(), m.ExpiresAt.UTC()
	if accepted != nil {
		m.AcceptedAt = accepted.UTC()
	}
	if revoked != nil {
		m.RevokedAt = revoked.UTC()
	}
	m.RevokedBy = mandates.Side(revokedBy)
	return m, nil
}
