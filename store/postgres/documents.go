package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
)

var _ documents.StatusSlots = (*StatusSlots)(nil)

var (
	//go:embed queries/documents_status_update.sql
	documentsStatusUpdateSQL string
	//go:embed queries/documents_status_insert.sql
	documentsStatusInsertSQL string
	//go:embed queries/documents_statuses.sql
	documentsStatusesSQL string
)

// StatusSlots keeps documents' status-list slots in PostgreSQL (table
// document_status): a document is named by a lookup hash of its type and
// number, its slot drawn from a sequence the first time.
type StatusSlots struct{ db *DB }

// NewStatusSlots is the status slots on db.
func NewStatusSlots(db *DB) *StatusSlots { return &StatusSlots{db: db} }

// documentPurpose keeps documents' lookup hashes apart from other values'.
const documentPurpose = "document"

// Put records the status of document key and returns its slot.
func (s *StatusSlots) Put(ctx context.Context, key string, status uint8, at time.Time) (_ int64, err error) {
	defer wrap(&err, "document status: recording")
	h := s.db.keys.Hash(documentPurpose, []byte(key))
	// Known (nearly always), new, or allocated by another instance just now.
	for range 2 {
		var n int64
		err = s.db.pool.QueryRow(ctx, documentsStatusUpdateSQL, h, int16(status), at).Scan(&n)
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
		err = s.db.pool.QueryRow(ctx, documentsStatusInsertSQL, h, int16(status), at).Scan(&n)
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
	}
	return 0, errors.New("the slot was neither found nor allocated")
}

// Statuses returns the slots in [from, to) that are not VALID.
func (s *StatusSlots) Statuses(ctx context.Context, from, to int64) (_ map[int64]uint8, err error) {
	defer wrap(&err, "document status: reading a list")
	rows, err := s.db.pool.Query(ctx, documentsStatusesSQL, from, to)
	if err != nil {
		return nil, err
	}
	out := map[int64]uint8{}
	var n int64
	var v int16
	_, err = pgx.ForEachRow(rows, []any{&n, &v}, func() error {
		out[n] = uint8(v)
		return nil
	})
	return out, err
}

var (
	_ documents.Shares       = (*Shares)(nil)
	_ documents.ShareHistory = (*Shares)(nil)
)

var (
	//go:embed queries/shares_create.sql
	sharesCreateSQL string
	//go:embed queries/shares_by_code.sql
	sharesByCodeSQL string
	//go:embed queries/shares_redeem.sql
	sharesRedeemSQL string
	//go:embed queries/shares_state.sql
	sharesStateSQL string
	//go:embed queries/shares_release.sql
	sharesReleaseSQL string
	//go:embed queries/shares_list.sql
	sharesListSQL string
	//go:embed queries/shares_count.sql
	sharesCountSQL string
	//go:embed queries/shares_erase_citizen.sql
	sharesEraseCitizenSQL string
)

// Shares keeps document shares in PostgreSQL (table document_shares): the
// NIK and the presentation sealed, the code only as its hash.
type Shares struct{ db *DB }

// NewShares is the share store on db.
func NewShares(db *DB) *Shares { return &Shares{db: db} }

// The sealed NIK and presentation of a share are bound to its row.
func shareCitizenContext(id string) []byte { return []byte("document_shares.citizen\x00" + id) }
func sharePresentationContext(id string) []byte {
	return []byte("document_shares.presentation\x00" + id)
}

func (s *Shares) Create(ctx context.Context, sh documents.Share) (err error) {
	defer wrap(&err, "shares: creating")
	keys := s.db.keys
	_, err = s.db.pool.Exec(ctx, sharesCreateSQL, sh.ID, sh.CodeHash, keys.Hash(citizenPurpose, []byte(sh.Subject)),
		keys.Seal([]byte(sh.Subject), shareCitizenContext(sh.ID)), string(sh.DocumentType), sh.DocumentClass, string(sh.Agency),
		sh.Claims, sh.Purpose, sh.Offline, sh.CreatedAt, sh.CreatedAt.UnixMilli(), sh.ExpiresAt,
		keys.Seal([]byte(sh.Presentation), sharePresentationContext(sh.ID)))
	return err
}

func (s *Shares) ByCode(ctx context.Context, codeHash string) (_ documents.Share, err error) {
	defer wrap(&err, "shares: finding one")
	var r shareRow
	err = s.db.pool.QueryRow(ctx, sharesByCodeSQL, codeHash).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return documents.Share{}, sp.ErrNotFound
	}
	if err != nil {
		return documents.Share{}, err
	}
	return r.share(s.db)
}

func (s *Shares) Redeem(ctx context.Context, id string, rd documents.Redemption) (_ documents.Share, err error) {
	defer wrap(&err, "shares: redeeming")
	var r shareRow
	err = s.db.pool.QueryRow(ctx, sharesRedeemSQL, id, rd.At, rd.VerifierID, rd.VerifierName).Scan(r.dest()...)
	if err == nil {
		return r.share(s.db)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return documents.Share{}, err
	}
	var used bool
	err = s.db.pool.QueryRow(ctx, sharesStateSQL, id).Scan(&used)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return documents.Share{}, sp.ErrNotFound
	case err != nil:
		return documents.Share{}, err
	case used:
		return documents.Share{}, documents.ErrShareUsed
	}
	return documents.Share{}, documents.ErrShareExpired
}

func (s *Shares) Release(ctx context.Context, id string) (err error) {
	defer wrap(&err, "shares: releasing")
	_, err = s.db.pool.Exec(ctx, sharesReleaseSQL, id)
	return err
}

func (s *Shares) List(ctx context.Context, subject sp.NIK, after *sp.Position, n int) (_ []documents.Share, err error) {
	defer wrap(&err, "shares: listing a citizen's")
	var afterMs *int64
	var afterID string
	if after != nil {
		afterMs, afterID = &after.Ms, after.ID
	}
	rows, err := s.db.pool.Query(ctx, sharesListSQL, s.db.keys.Hash(citizenPurpose, []byte(subject)), afterMs, afterID, n)
	if err != nil {
		return nil, err
	}
	var out []documents.Share
	var r shareRow
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		sh, err := r.share(s.db)
		out = append(out, sh)
		return err
	})
	return out, err
}

func (s *Shares) Count(ctx context.Context, subject sp.NIK) (_ int, err error) {
	defer wrap(&err, "shares: counting a citizen's")
	var n int
	err = s.db.pool.QueryRow(ctx, sharesCountSQL, s.db.keys.Hash(citizenPurpose, []byte(subject))).Scan(&n)
	return n, err
}

// EraseCitizen deletes the subject's shares (deleteMyData); the access
// log keeps that a verifier saw them.
func (s *Shares) EraseCitizen(ctx context.Context, subject sp.NIK) (_ int, err error) {
	defer wrap(&err, "shares: erasing a citizen's")
	tag, err := s.db.pool.Exec(ctx, sharesEraseCitizenSQL, s.db.keys.Hash(citizenPurpose, []byte(subject)))
	return int(tag.RowsAffected()), err
}

// shareRow is a share as the queries return it.
type shareRow struct {
	id, codeHash              string
	citizenSealed             []byte
	docType, docClass, agency string
	claims                    []string
	purpose                   string
	offline                   bool
	createdAt, expiresAt      time.Time
	presentation              []byte
	verifiedAt                *time.Time
	verifierID, verifierName  string
}

func (r *shareRow) dest() []any {
	return []any{&r.id, &r.codeHash, &r.citizenSealed, &r.docType, &r.docClass, &r.agency, &r.claims, &r.purpose, &r.offline,
		&r.createdAt, &r.expiresAt, &r.presentation, &r.verifiedAt, &r.verifierID, &r.verifierName}
}

func (r *shareRow) share(db *DB) (documents.Share, error) {
	nik, err := db.keys.Open(r.citizenSealed, shareCitizenContext(r.id))
	if err != nil {
		return documents.Share{}, fmt.Errorf("opening a share's citizen: %w", err)
	}
	pres, err := db.keys.Open(r.presentation, sharePresentationContext(r.id))
	if err != nil {
		return documents.Share{}, fmt.Errorf("opening a share's presentation: %w", err)
	}
	sh := documents.Share{
		ID: r.id, CodeHash: r.codeHash, Subject: sp.NIK(nik), DocumentType: documents.Type(r.docType), DocumentClass: r.docClass,
		Agency: sp.Agency(r.agency), Claims: r.claims, Purpose: r.purpose, Offline: r.offline, CreatedAt: r.createdAt,
		ExpiresAt: r.expiresAt, Presentation: string(pres), VerifierID: r.verifierID, VerifierName: r.verifierName,
	}
	if r.verifiedAt != nil {
		sh.VerifiedAt = *r.verifiedAt
	}
	return sh, nil
}
