package postgres

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/satupintu/satupintu/store/seal"
)

var (
	//go:embed queries/data_keys_lock.sql
	dataKeysLockSQL string
	//go:embed queries/data_keys_record.sql
	dataKeysRecordSQL string
	//go:embed queries/data_keys_list.sql
	dataKeysListSQL string
)

// bindKeys ties the data keys to the database, at start:
//   - the sealing key is recorded in data_keys before it seals anything;
//   - the first key ever recorded keys the lookup hashes, for good: a row
//     is found by its hash, so changing that key would lose every row
//     until all are hashed again;
//   - every recorded key must be in the ring, or the data it sealed (or
//     the lookups it keys) could not be read: the start is refused with
//     the ids that are missing.
//
// A rotation is then: give every instance the new key last (it opens
// only), then first (it seals; old rows stay readable), so that no
// instance meets a row it cannot open. Dropping the old key needs its
// rows sealed again and its data_keys row deleted, which no tool does
// yet: until then it stays in SATUPINTU_DATA_KEY.
func bindKeys(ctx context.Context, pool *pgxpool.Pool, ring *seal.Keyring) (*seal.Keyring, error) {
	var lookup string
	var missing []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, dataKeysLockSQL); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, dataKeysRecordSQL, ring.Sealing()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, dataKeysListSQL)
		if err != nil {
			return err
		}
		var id string
		var isLookup bool
		_, err = pgx.ForEachRow(rows, []any{&id, &isLookup}, func() error {
			if isLookup {
				lookup = id
			}
			if !ring.Has(id) {
				missing = append(missing, id)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: recording the data keys: %w", err)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("postgres: the database holds data sealed with keys SATUPINTU_DATA_KEY lacks: %w",
			&seal.MissingKeyError{ID: strings.Join(missing, ", ")})
	}
	return ring.WithLookup(lookup)
}
