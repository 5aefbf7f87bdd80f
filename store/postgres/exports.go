package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

var _ privacy.Exports = (*Exports)(nil)

var (
	//go:embed queries/exports_create.sql
	exportsCreateSQL string
	//go:embed queries/exports_find.sql
	exportsFindSQL string
	//go:embed queries/exports_list.sql
	exportsListSQL string
	//go:embed queries/exports_complete.sql
	exportsCompleteSQL string
	//go:embed queries/exports_take.sql
	exportsTakeSQL string
	//go:embed queries/exports_known.sql
	exportsKnownSQL string
	//go:embed queries/exports_erase.sql
	exportsEraseSQL string
	//go:embed queries/exports_purge.sql
	exportsPurgeSQL string
)

// Exports keeps data exports in PostgreSQL (table data_exports): the
// document and the link's token sealed, the token found by its SHA-256.
type Exports struct{ db *DB }

// NewExports is the export store on db.
func NewExports(db *DB) *Exports { return &Exports{db: db} }

// The sealed parts of an export are bound to its row.
func exportContext(part, id string) []byte {
	return fmt.Appendf(nil, "data_exports.%s\x00%s", part, id)
}

// Create stores a new export, preparing.
func (s *Exports) Create(ctx context.Context, e privacy.Export) (err error) {
	if e.ID == "" || e.Subject == "" || e.RequestedAt.IsZero() {
		return errors.New("postgres exports: an export needs an id, a subject and a request time")
	}
	defer wrap(&err, "exports: creating %s", e.ID)
	keys := s.db.keys
	_, err = s.db.pool.Exec(ctx, exportsCreateSQL, e.ID, keys.Hash(citizenPurpose, []byte(e.Subject)),
		keys.Seal([]byte(e.Subject), exportContext("subject", e.ID)), privacy.Micro(e.RequestedAt))
	return err
}

// Find returns the export id.
func (s *Exports) Find(ctx context.Context, id string) (_ privacy.Export, err error) {
	defer wrap(&err, "exports: reading %s", id)
	var r exportRow
	err = s.db.pool.QueryRow(ctx, exportsFindSQL, id).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return privacy.Export{}, sp.ErrNotFound
	}
	if err != nil {
		return privacy.Export{}, err
	}
	return r.export(s)
}

// List returns the subject's exports, newest first.
func (s *Exports) List(ctx context.Context, subject sp.NIK) (_ []privacy.Export, err error) {
	defer wrap(&err, "exports: listing")
	rows, err := s.db.pool.Query(ctx, exportsListSQL, s.db.keys.Hash(citizenPurpose, []byte(subject)))
	if err != nil {
		return nil, err
	}
	out := []privacy.Export{}
	var r exportRow
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		e, err := r.export(s)
		out = append(out, e)
		return err
	})
	return out, err
}

// Complete stores the signed document, sealed, and makes the export ready.
func (s *Exports) Complete(ctx context.Context, id string, document []byte, token string, readyAt, expiresAt time.Time) (err error) {
	defer wrap(&err, "exports: completing %s", id)
	keys := s.db.keys
	_, err = s.db.pool.Exec(ctx, exportsCompleteSQL, id, keys.Seal(document, exportContext("document", id)),
		privacy.TokenHash(token), keys.Seal([]byte(token), exportContext("token", id)), privacy.Micro(readyAt), privacy.Micro(expiresAt))
	return err
}

// Take returns the document once and deletes it.
func (s *Exports) Take(ctx context.Context, token string, at time.Time) (_ []byte, err error) {
	defer wrap(&err, "exports: taking one")
	hash := privacy.TokenHash(token)
	var id string
	var sealed []byte
	err = s.db.pool.QueryRow(ctx, exportsTakeSQL, hash, at).Scan(&id, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		var known bool
		if err := s.db.pool.QueryRow(ctx, exportsKnownSQL, hash).Scan(&known); err != nil {
			return nil, err
		}
		if known {
			return nil, privacy.ErrExportGone
		}
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.db.keys.Open(sealed, exportContext("document", id))
}

// EraseCitizen deletes every export of the subject.
func (s *Exports) EraseCitizen(ctx context.Context, subject sp.NIK) (_ int, err error) {
	defer wrap(&err, "exports: erasing a citizen's")
	tag, err := s.db.pool.Exec(ctx, exportsEraseSQL, s.db.keys.Hash(citizenPurpose, []byte(subject)))
	return int(tag.RowsAffected()), err
}

// PurgeExpiredBefore deletes the exports expired before before.
func (s *Exports) PurgeExpiredBefore(ctx context.Context, before time.Time) (_ int, err error) {
	defer wrap(&err, "exports: purging")
	tag, err := s.db.pool.Exec(ctx, exportsPurgeSQL, before)
	return int(tag.RowsAffected()), err
}

type exportRow struct {
	id                         string
	subject, token             []byte
	requested                  time.Time
	ready, expires, downloaded *time.Time
}

func (r *exportRow) dest() []any {
	return []any{&r.id, &r.subject, &r.requested, &r.ready, &r.expires, &r.downloaded, &r.token}
}

func (r *exportRow) export(s *Exports) (privacy.Export, error) {
	subject, err := s.db.keys.Open(r.subject, exportContext("subject", r.id))
	if err != nil {
		return privacy.Export{}, fmt.Errorf("opening export %s: %w", r.id, err)
	}
	e := privacy.Export{ID: r.id, Subject: sp.NIK(subject), RequestedAt: r.requested.UTC()}
	for _, t := range []struct {
		from *time.Time
		to   *time.Time
	}{{r.ready, &e.ReadyAt}, {r.expires, &e.ExpiresAt}, {r.downloaded, &e.DownloadedAt}} {
		if t.from != nil {
			*t.to = t.from.UTC()
		}
	}
	if r.token != nil {
		token, err := s.db.keys.Open(r.token, exportContext("token", r.id))
		if err != nil {
			return privacy.Export{}, fmt.Errorf("opening export %s: %w", r.id, err)
		}
		e.Token = string(token)
	}
	return e, nil
}
